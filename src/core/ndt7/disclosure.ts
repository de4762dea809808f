// What the user is told before and after an M-Lab test, in one place so the CLI, the popup and
// the options page say the same thing (consent in plain words; the popup says what
// this provider can and cannot show).

export const MLAB_PRIVACY_URL = 'https://www.measurementlab.net/privacy/';

/** Shown before the provider is enabled; nothing runs against M-Lab until it is accepted. */
export const MLAB_CONSENT_TEXT =
  'Tests against Measurement Lab (M-Lab) servers are published by M-Lab as open data, ' +
  'including your IP address and the time of the test. Turn this on only if you accept that.';

/** What an M-Lab result can tell. */
export const MLAB_CAN_SHOW = [
  'whether encrypted WebSocket traffic (wss://, port 443) from an M-Lab server is slower than plain WebSocket traffic (ws://, port 80) from the same server at the same time',
  "the rate a shaper holds the slower one to, from the bytes-over-time of each test",
  'with the upload legs, whether encrypted uploads are capped',
] as const;

/** What it cannot, and why. */
export const MLAB_CANNOT_SHOW = [
  "whether the port or the protocol triggers a slowdown: M-Lab offers ws:// only on port 80 and wss:// only on 443",
  'whether random-looking payloads are slowed: ndt7 sends random bytes both ways (and WebSocket masking makes uploads random anyway)',
  'whether a middlebox altered the plain bytes: ndt7 payloads carry no digest to check them against',
  'how a plain HTTP download would fare: a WebSocket on port 80 may be classified differently from an ordinary download, and some proxies block or pass it untouched',
  "throttling aimed at other sites' names: the TLS server name (SNI) is M-Lab's own hostname, so a shaper that targets particular sites by SNI is not triggered",
] as const;
