// Values esbuild's `define` puts in at build time (build.mjs): the version and the default
// endpoints from config/endpoints.json, so a deployer ships a build pointing at their own.
import type { EndpointRef } from './shared/endpoints.js';

declare const __VERSION__: string;
declare const __DEFAULT_ENDPOINTS__: EndpointRef[];
declare const __REPORT_COLLECTOR_URL__: string;

export const VERSION: string = __VERSION__;
export const DEFAULT_ENDPOINTS: readonly EndpointRef[] = __DEFAULT_ENDPOINTS__;
/** The collector named in config/endpoints.json ("collector"), or "" when it names none. */
export const REPORT_COLLECTOR_URL: string = __REPORT_COLLECTOR_URL__;
