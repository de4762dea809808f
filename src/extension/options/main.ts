// The options page: one module a section (see section.ts).
import { DEFAULT_ENDPOINTS, REPORT_COLLECTOR_URL, VERSION } from '../build-config.js';
import { dataCollection, permissions, platformOs, storageLocal, translate } from '../platform/browser.js';
import { clientInfo } from '../platform/client-info.js';
import { extensionFetch } from '../platform/extension-io.js';
import { byId, localizePage, shownTranslation } from '../shared/dom.js';
import { Store } from '../shared/store.js';
import { budgetSection } from './budget-section.js';
import { endpointsSection } from './endpoints-section.js';
import { mlabSection } from './mlab-section.js';
import { reportingSection } from './reporting-section.js';
import { scheduleSection } from './schedule-section.js';
import type { OptionsContext, OptionsSection } from './section.js';

const SECTIONS: OptionsSection[] = [
  endpointsSection(storageLocal),
  mlabSection(storageLocal),
  scheduleSection,
  budgetSection,
  reportingSection({
    storage: storageLocal,
    client: async () => ({ version: VERSION, ...(await clientInfo(navigator, platformOs)) }),
    collectorDefault: REPORT_COLLECTOR_URL,
    dataCollection,
  }),
];

const ctx: OptionsContext = {
  store: new Store(storageLocal),
  t: shownTranslation(translate),
  tStored: translate,
  permissions,
  defaults: DEFAULT_ENDPOINTS,
  fetch: extensionFetch(),
  now: () => Date.now(),
  onStored: (listener) => storageLocal.onChanged((changes) => listener(Object.keys(changes))),
};

localizePage(document, translate);
void (async () => {
  for (const section of SECTIONS) await section.mount(byId(section.id), ctx);
  document.body.dataset.ready = 'true';
})();
