// The M-Lab provider's stored state, under the storage key `mlab`: the user's consent
// to M-Lab publishing their tests with their IP address, a locate URL that replaces the build's
// (for development and the end-to-end tests, which point it at a local locate server), and how
// many no-capacity retries of a scheduled test have been made. Off unless the user said yes:
// anything unreadable reads as "no consent", never as a yes.
import * as v from 'valibot';
import type { EndpointRef } from './endpoints.js';

export const MLAB_KEY = 'mlab';

export const mlabStateSchema = v.object({
  consent: v.fallback(v.boolean(), false),
  /** When the user last said yes or no (epoch ms); null before they ever did. */
  decidedAt: v.fallback(v.nullable(v.number()), null),
  /** Replaces the endpoint's locate URL when set; not offered in the UI. */
  locateUrl: v.fallback(v.nullable(v.pipe(v.string(), v.url())), null),
  /** No-capacity retries of a scheduled test made so far (0 after any other outcome). */
  retryAttempt: v.fallback(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
});
export type MlabState = v.InferOutput<typeof mlabStateSchema>;

export const DEFAULT_MLAB: MlabState = { consent: false, decidedAt: null, locateUrl: null, retryAttempt: 0 };

export function readMlab(raw: unknown): MlabState {
  const r = v.safeParse(mlabStateSchema, raw ?? {});
  return r.success ? r.output : DEFAULT_MLAB;
}

/** The locate URL an M-Lab run asks: the stored override, else the endpoint's own. */
export function locateUrlFor(endpoint: EndpointRef, state: MlabState): string {
  return state.locateUrl ?? endpoint.url;
}

/**
 * The host permission asked for when the user consents: the locate service's origin, which
 * the extension fetches. The ndt7 servers themselves need none: a WebSocket is not a fetch,
 * and neither Chrome nor Firefox gates it on host permissions or CORS (the end-to-end test
 * runs its ndt7 server on an address the extension holds no permission for).
 */
export function mlabPermissionOrigins(locateUrl: string): string[] {
  const u = new URL(locateUrl);
  return [`${u.protocol}//${u.hostname}/*`];
}

/** Why an M-Lab test must not run, in words; undefined when it may. */
export function mlabRefusal(state: MlabState): string | undefined {
  if (!state.consent) {
    return 'M-Lab tests are off: M-Lab publishes every test with your IP address, and you have not accepted that (turn M-Lab tests on in the options)';
  }
  return undefined;
}
