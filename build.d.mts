export declare const ENTRIES: Array<Record<string, unknown>>;
export declare function build(opts?: { only?: string; clean?: boolean }): Promise<void>;
