// The run path picks the provider by the endpoint's kind: our HTTP endpoints are measured by
// the core's runMeasurement, M-Lab by runNdt7Measurement over the browser's
// WebSocket. Both return the same Result, so history, the popup and reports need not care.
// An M-Lab run checks the user's consent here too, right before anything reaches M-Lab: the
// controller refuses to start without it, and this covers consent withdrawn in between.
import { anySignal, deadlineFetch, deadlineWebSocket } from '../../core/deadline-fetch.js';
import type { FetchLike } from '../../core/io.js';
import type { Ndt7Deps, Ndt7Options, Ndt7Result } from '../../core/ndt7/index.js';
import type { WebSocketFactory } from '../../core/ndt7/websocket.js';
import type { RunDeps, RunOptions } from '../../core/runner.js';
import type { Result } from '../../core/types.js';
import { isMlabEndpoint } from '../shared/endpoints.js';
import { measureAuto, type AutoChoiceDeps } from './auto-choice.js';
import { locateUrlFor, mlabRefusal, type MlabState } from '../shared/mlab-state.js';
import { failedResult } from '../../core/engine/result.js';
import type { Measure } from './run-controller.js';
import type { ZoneSniRunOptions } from '../../core/sni/zone-runner.js';
import { mayHaveSniZone } from '../shared/sni-zone.js';

/** How M-Lab's servers and locate service see this client (ndt7 spec: clients name themselves). */
export const MLAB_CLIENT_NAME = 'tls-throttle-detector-extension';

export interface ProviderDeps {
  http: (deps: RunDeps, opts: RunOptions) => Promise<Result>;
  mlab: (deps: Ndt7Deps, opts: Ndt7Options) => Promise<Ndt7Result>;
  webSocket: WebSocketFactory;
  /**
   * fetch for the locate API. Not the measurement fetch: that one never follows redirects
   * (a redirected plaintext leg is interference), while the ndt7 spec asks clients to follow
   * the locate service's.
   */
  locateFetch: FetchLike;
  mlabState: () => Promise<MlabState>;
  clientVersion: string;
  /** The automatic choice among the build's and the user's servers ("auto" endpoint). */
  auto: Omit<AutoChoiceDeps, 'http'>;
  /** A run by server name under the endpoint's wildcard zone (core/sni/zone-runner.ts). */
  sniZone: (deps: RunDeps, opts: ZoneSniRunOptions) => Promise<Result>;
}

export function providerMeasure(p: ProviderDeps): Measure {
  return async (deps, opts, endpoint, ctx) => {
    if (endpoint.kind === 'auto') return measureAuto({ ...p.auto, http: p.http }, deps, opts, ctx);
    const { deadline } = ctx;
    if (ctx.sniName) {
      // A run by name never falls back to an ordinary one: the user asked about the name.
      if (!mayHaveSniZone(endpoint)) return failedResult(endpoint.url, { code: 'bad-endpoint', detail: 'a test by name needs one of our endpoints' });
      return p.sniZone(deps, { ...opts, diagnose: 'never', name: ctx.sniName });
    }
    if (!isMlabEndpoint(endpoint)) return p.http(deps, opts);
    const state = await p.mlabState();
    const refusal = mlabRefusal(state);
    if (refusal) return failedResult('mlab', { code: 'mlab-consent', detail: refusal });
    // The locate answer, the WebSockets and the tests' own signal all end at the deadline.
    const linked = anySignal([deps.signal, deadline.signal]);
    try {
      return await p.mlab(
        {
          fetch: deadlineFetch(p.locateFetch, deadline),
          webSocket: deadlineWebSocket(p.webSocket, deadline),
          clock: deps.clock,
          random: deps.random,
          signal: linked.signal,
          deadline,
          onProgress: deps.onProgress,
          clientTlsCapacityMbps: deps.clientTlsCapacityMbps,
        },
        {
          locateUrl: locateUrlFor(endpoint, state),
          clientName: MLAB_CLIENT_NAME,
          clientVersion: p.clientVersion,
          diagnose: opts.diagnose,
          budgetBytes: opts.budgetBytes,
          maxDurationMs: opts.maxDurationMs,
          capDurationMs: opts.capDurationMs,
        },
      );
    } finally {
      linked.unlink();
    }
  };
}
