// Keeps the background alive while a run lasts.
// - Chrome stops an idle extension service worker after 30 s; any extension API call resets
//   that timer since Chrome 110 (developer.chrome.com, "The extension service worker
//   lifecycle", "Idle and shutdown", whose own "waitUntil" helper calls
//   runtime.getPlatformInfo every 25 s).
// - Firefox suspends an MV3 event page after extensions.background.idle.timeout (30 s by
//   default). Measured on firefox-esr 153 with that timeout at 2 s: runtime.getPlatformInfo
//   every 500 ms kept the page alive, while storage.local.set at the same pace and the run's own
//   progress messages did not, and an in-flight fetch did not either.
// A tick every 5 s stays well inside both limits and costs one cheap call.

export const KEEP_ALIVE_MS = 5_000;

export function startKeepAlive(tick: () => Promise<unknown>, periodMs = KEEP_ALIVE_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const loop = () => {
    timer = setTimeout(() => {
      void tick().catch(() => undefined);
      if (!stopped) loop();
    }, periodMs);
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
