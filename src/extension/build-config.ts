// Values esbuild's `define` puts in at build time (build.mjs): the version and the default
// endpoints from config/endpoints.json, so a deployer ships a build pointing at their own.
import type { EndpointRef } from './shared/endpoints.js';

declare const __VERSION__: string;
declare const __DEFAULT_ENDPOINTS__: EndpointRef[];

export const VERSION: string = __VERSION__;
export const DEFAULT_ENDPOINTS: readonly EndpointRef[] = __DEFAULT_ENDPOINTS__;
