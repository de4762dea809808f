export declare function packageExtension(opts?: { source?: string; out?: string }): { chrome: string; firefox: string };
