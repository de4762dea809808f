// The few browser APIs the extension uses, as narrow interfaces. The real ones come from
// browser.ts (webextension-polyfill); unit tests pass small fakes written against these.

export interface StorageChange {
  oldValue?: unknown;
  newValue?: unknown;
}

export interface StoragePort {
  /** null reads every key. */
  get(keys: string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
  onChanged(listener: (changes: Record<string, StorageChange>) => void): void;
}

export interface AlarmInfo {
  name: string;
  scheduledTime: number;
}

export interface AlarmsPort {
  create(name: string, when: number): Promise<void>;
  clear(name: string): Promise<boolean>;
  get(name: string): Promise<AlarmInfo | undefined>;
  onAlarm(listener: (alarm: AlarmInfo) => void): void;
}

/** What the browser says about the connection (navigator.onLine, Network Information API). */
export interface NetworkState {
  online: boolean;
  /** A cellular connection or one the browser reports as metered; false when unknown. */
  metered: boolean;
  /** The user asked for reduced data use (Save-Data, navigator.connection.saveData). */
  saveData: boolean;
}

export interface PermissionsPort {
  /** Must run inside a user gesture in the calling page (Chrome and Firefox both require it). */
  request(origins: string[]): Promise<boolean>;
  contains(origins: string[]): Promise<boolean>;
  remove(origins: string[]): Promise<boolean>;
}

export interface MessagingPort {
  /** Sends to the extension's other pages; resolves undefined when no page listens. */
  send(message: unknown): Promise<unknown>;
  /** The listener's returned promise becomes the sender's answer; undefined means "not mine". */
  onMessage(listener: (message: unknown) => Promise<unknown> | undefined): void;
}

/**
 * Firefox's own consent to send data (Firefox 140+, "Firefox built-in consent for data collection
 * and transmission"): anonymous reports are "technicalAndInteraction" data. Chrome has no such
 * permission, and there `supported` is false and the options page's consent is all there is.
 */
export interface DataCollectionPort {
  supported: boolean;
  /** Must run inside a user gesture, like PermissionsPort.request. */
  request(): Promise<boolean>;
  contains(): Promise<boolean>;
  remove(): Promise<boolean>;
  /** Runs `listener` when the extension's permissions change, from any page or about:addons. */
  onChanged(listener: () => void): void;
}

export type Translate = (key: string, substitutions?: string[]) => string;
