// Keeps the service worker alive while a run lasts. Chrome stops an extension service worker
// after 30 s without events or extension API calls, and any such call resets the timer since
// Chrome 110 (developer.chrome.com, "The extension service worker lifecycle", "Idle and
// shutdown"; the documented "waitUntil" helper calls runtime.getPlatformInfo every 25 s).

export const KEEP_ALIVE_MS = 20_000;

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
