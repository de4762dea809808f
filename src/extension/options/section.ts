// The options page is a list of sections, each mounted on its own <section> in options.html,
// so a feature (reporting consent, another measurement provider) adds a section and a row in
// SECTIONS without touching the others.
import type { PermissionsPort, Translate } from '../platform/ports.js';
import type { EndpointRef } from '../shared/endpoints.js';
import type { FetchLike } from '../../core/io.js';
import type { Store } from '../shared/store.js';

export interface OptionsContext {
  store: Store;
  /** What the page shows: values isolated in a right-to-left page (shared/dom.ts shownTranslation). */
  t: Translate;
  /** The plain translation, for text that is stored rather than shown (an endpoint's name). */
  tStored: Translate;
  permissions: PermissionsPort;
  defaults: readonly EndpointRef[];
  fetch: FetchLike;
  now: () => number;
  /** Subscribes to changes of stored keys (storage.onChanged of storage.local). */
  onStored: (listener: (keys: string[]) => void) => void;
}

export interface OptionsSection {
  /** The id of its <section> in options.html. */
  id: string;
  mount(root: HTMLElement, ctx: OptionsContext): Promise<void>;
}
