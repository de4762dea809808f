// The background (Chrome's service worker, Firefox's background page). Every listener is
// registered synchronously at the top level: a worker woken by an event gets it only if the
// listener exists by the end of the first turn (developer.chrome.com, "Migrate to a service
// worker", "Register listeners synchronously").
import { runNdt7Measurement } from '../../core/ndt7/index.js';
import { runMeasurement } from '../../core/runner.js';
import { runZoneSniMeasurement } from '../../core/sni/zone-runner.js';
import { politeUserAgent } from '../../core/user-agent.js';
import { sha256Hasher } from '../../core/digest.js';
import { DEFAULT_ENDPOINTS, REPORT_COLLECTOR_URL, VERSION } from '../build-config.js';
import {
  alarms,
  dataCollection,
  keepAliveTick,
  messaging,
  onStartupOrInstall,
  platformOs,
  storageLocal,
  translate,
} from '../platform/browser.js';
import { clientInfo } from '../platform/client-info.js';
import { browserWebSocketFactory } from '../platform/browser-websocket.js';
import { browserClock, extensionFetch, responseUrlInspector } from '../platform/extension-io.js';
import { locateFetch } from '../platform/locate-fetch.js';
import { networkState } from '../platform/network-state.js';
import { measureBrowserTlsCapacityMbps } from '../platform/tls-capacity.js';
import { allEndpoints, autoEndpoint } from '../shared/endpoints.js';
import { newReportId } from '../shared/report-meta.js';
import { Store } from '../shared/store.js';
import { handleCommand } from './commands.js';
import { sniZoneReader } from './sni-zone.js';
import { providerMeasure } from './measure-provider.js';
import { MlabPolicy } from './mlab-retry.js';
import { Reporting } from './reporting.js';
import { RunController } from './run-controller.js';
import { Scheduler } from './scheduler.js';
import { readSettings, type Settings } from '../shared/storage-schema.js';
import { startKeepAlive } from './keep-alive.js';

const store = new Store(storageLocal);
const fetchImpl = extensionFetch(fetch, performance, { 'user-agent': politeUserAgent(VERSION) });

// Anonymous reports: queued after a run is filed, only with consent, sent apart from it.
const reporting = new Reporting({
  storage: storageLocal,
  alarms,
  store,
  post: (url, init) => fetch(url, init),
  client: async () => ({ version: VERSION, ...(await clientInfo(navigator, platformOs)) }),
  defaults: DEFAULT_ENDPOINTS,
  collectorDefault: REPORT_COLLECTOR_URL,
  now: () => Date.now(),
  random: Math.random,
  newReportId,
  permitted: () => (dataCollection.supported ? dataCollection.contains() : Promise.resolve(true)),
  warn: (message) => console.warn(message),
});

// M-Lab: consent, its scheduling rules and retries; runs go over the browser's WebSocket.
const mlab = new MlabPolicy({ storage: storageLocal, alarms, now: () => Date.now(), random: Math.random });

const controller = new RunController({
  measure: providerMeasure({
    http: runMeasurement,
    mlab: runNdt7Measurement,
    sniZone: runZoneSniMeasurement,
    webSocket: browserWebSocketFactory(),
    locateFetch: locateFetch(),
    mlabState: () => mlab.state(),
    clientVersion: VERSION,
    auto: {
      candidates: async () => endpoints(await store.settings()),
      history: () => store.history(),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
  }),
  refuse: (endpoint) => mlab.refuse(endpoint),
  store,
  runDeps: (signal, onProgress) => ({
    fetch: fetchImpl,
    clock: browserClock,
    hasher: sha256Hasher,
    inspect: responseUrlInspector,
    random: Math.random,
    signal,
    onProgress,
    // Measured only when a TLS finding needs the check (decision.ts rule 10).
    clientTlsCapacityMbps: measureBrowserTlsCapacityMbps,
  }),
  broadcast: (event) => {
    void messaging.send(event);
    // "finished" comes after the run is in history; the report never holds the run up.
    if (event.event === 'finished') void reporting.runFinished(event.runId);
  },
  keepAlive: () => startKeepAlive(keepAliveTick),
  now: () => Date.now(),
  newId: () => crypto.randomUUID(),
});

const endpoints = (settings: Settings) => allEndpoints(DEFAULT_ENDPOINTS, settings.customEndpoints);
const auto = autoEndpoint(translate('autoEndpointName'));

const scheduler = new Scheduler({
  alarms,
  store,
  controller,
  network: () => networkState(),
  endpoints,
  auto,
  now: () => Date.now(),
  random: Math.random,
  mlab,
});

messaging.onMessage((message) => handleCommand(message, { controller, store, endpoints, auto, readSniZone: sniZoneReader(fetchImpl, browserClock) }));
alarms.onAlarm((alarm) => void scheduler.onAlarm(alarm));
alarms.onAlarm((alarm) => void reporting.onAlarm(alarm));
onStartupOrInstall(() => void reporting.flush());
storageLocal.onChanged((changes) => void reporting.onStorageChanged(changes));
onStartupOrInstall(() => void store.settings().then((s) => scheduler.arm(s)));
storageLocal.onChanged((changes) => {
  const change = changes.settings;
  if (!change) return;
  const before = readSettings(change.oldValue);
  const after = readSettings(change.newValue);
  // The endpoint decides the interval too (M-Lab has its own rules).
  if (before.schedule !== after.schedule || before.selectedEndpointId !== after.selectedEndpointId) void scheduler.arm(after, true);
});
