// Whether a scheduled check may use the connection now. navigator.onLine is in every browser;
// the Network Information API (type, saveData) is Chrome's only, so Firefox reports "not
// metered" and relies on the user's schedule (MDN, "NetworkInformation", browser support).
import type { NetworkState } from './ports.js';

interface NetworkInformationLike {
  type?: string;
  saveData?: boolean;
  /** Proposed in the Network Information draft; no browser ships it yet, read if present. */
  metered?: boolean;
}

export function networkState(nav: { onLine: boolean; connection?: NetworkInformationLike } = navigator as never): NetworkState {
  const c = nav.connection;
  return {
    online: nav.onLine,
    metered: c?.metered === true || c?.type === 'cellular',
    saveData: c?.saveData === true,
  };
}

/** Calls `listener` with navigator.onLine whenever the browser goes on or off line. */
export function onOnlineChange(listener: (online: boolean) => void): void {
  addEventListener('online', () => listener(true));
  addEventListener('offline', () => listener(false));
}
