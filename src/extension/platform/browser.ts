// The one file that imports webextension-polyfill (docs/architecture.md, convention 1; eslint enforces
// it). Everything else gets these adapters, so the same code runs in Chrome's service worker,
// in Firefox's background page, and in unit tests against fakes.
import browser from 'webextension-polyfill';
import type { AlarmsPort, DataCollectionPort, MessagingPort, PermissionsPort, StoragePort, Translate } from './ports.js';

export const storageLocal: StoragePort = {
  get: (keys) => browser.storage.local.get(keys),
  set: (items) => browser.storage.local.set(items),
  remove: (keys) => browser.storage.local.remove(keys),
  onChanged(listener) {
    browser.storage.onChanged.addListener((changes, area) => {
      if (area === 'local') listener(changes);
    });
  },
};

export const alarms: AlarmsPort = {
  create: (name, when) => browser.alarms.create(name, { when }) as unknown as Promise<void>,
  clear: (name) => browser.alarms.clear(name),
  get: async (name) => {
    const a = await browser.alarms.get(name);
    return a ? { name: a.name, scheduledTime: a.scheduledTime } : undefined;
  },
  onAlarm(listener) {
    browser.alarms.onAlarm.addListener((a) => listener({ name: a.name, scheduledTime: a.scheduledTime }));
  },
};

export const permissions: PermissionsPort = {
  request: (origins) => browser.permissions.request({ origins }),
  contains: (origins) => browser.permissions.contains({ origins }),
  remove: (origins) => browser.permissions.remove({ origins }),
};

const REPORT_DATA = { data_collection: ['technicalAndInteraction' as const] };

/** Firefox alone has runtime.getBrowserInfo, and from 140 (our minimum) data_collection permissions. */
export const dataCollection: DataCollectionPort = {
  supported: typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function',
  request: () => browser.permissions.request(REPORT_DATA),
  contains: () => browser.permissions.contains(REPORT_DATA),
  remove: () => browser.permissions.remove(REPORT_DATA),
  onChanged(listener) {
    browser.permissions.onAdded.addListener(listener);
    browser.permissions.onRemoved.addListener(listener);
  },
};

export const messaging: MessagingPort = {
  async send(message) {
    try {
      return await browser.runtime.sendMessage(message);
    } catch {
      // "Receiving end does not exist": no popup or options page is open. Nothing to tell.
      return undefined;
    }
  },
  onMessage(listener) {
    // The polyfill turns a returned promise into the answer on both browsers; returning
    // undefined leaves the message to other listeners.
    browser.runtime.onMessage.addListener((message: unknown) => listener(message));
  },
};

export const translate: Translate = (key, substitutions) => browser.i18n.getMessage(key, substitutions);

/** Runs `listener` when the browser starts with this profile or installs/updates the extension. */
export function onStartupOrInstall(listener: () => void): void {
  browser.runtime.onStartup.addListener(listener);
  browser.runtime.onInstalled.addListener(() => listener());
}

/**
 * A cheap extension API call that resets the background's idle timer, in Chrome's service
 * worker and in Firefox's event page alike (background/keep-alive.ts has the measurements).
 */
export function keepAliveTick(): Promise<unknown> {
  return browser.runtime.getPlatformInfo();
}

/** The OS as the browser names it (runtime.getPlatformInfo().os), for a report's OS family. */
export async function platformOs(): Promise<string> {
  return (await browser.runtime.getPlatformInfo()).os;
}

export function openOptionsPage(): Promise<void> {
  return browser.runtime.openOptionsPage();
}
