export declare const ENTRIES: Array<Record<string, unknown>>;
export declare function build(opts?: { only?: string; clean?: boolean; outDir?: string; configFile?: string }): Promise<void>;
