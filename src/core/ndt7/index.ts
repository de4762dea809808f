// The M-Lab ndt7 provider's public face, for the extension and the CLI:
//   runNdt7Measurement(deps, opts) -> Ndt7Result (a Result, plus result.mlab)
//   nextMlabRunDelayMs / mlabBackoffDelayMs for scheduled runs (M-Lab's rules)
//   the consent text and what a result can and cannot show
export { runNdt7Measurement, type MlabInfo, type Ndt7Deps, type Ndt7Options, type Ndt7Result } from './run.js';
export { nextMlabRunDelayMs, mlabBackoffDelayMs } from './schedule.js';
export { DEFAULT_LOCATE_URL } from './locate.js';
export { MLAB_CAN_SHOW, MLAB_CANNOT_SHOW, MLAB_CONSENT_TEXT, MLAB_PRIVACY_URL } from './disclosure.js';
export type { WebSocketFactory, WebSocketLike } from './websocket.js';
