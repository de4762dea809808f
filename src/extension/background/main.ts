// The background (Chrome's service worker, Firefox's background page). Every listener is
// registered synchronously at the top level: a worker woken by an event gets it only if the
// listener exists by the end of the first turn (developer.chrome.com, "Migrate to a service
// worker", "Register listeners synchronously").
import { runMeasurement } from '../../core/runner.js';
import { sha256Hasher } from '../../core/digest.js';
import { DEFAULT_ENDPOINTS } from '../build-config.js';
import { alarms, keepAliveTick, messaging, onStartupOrInstall, storageLocal } from '../platform/browser.js';
import { browserClock, extensionFetch, responseUrlInspector } from '../platform/extension-io.js';
import { networkState } from '../platform/network-state.js';
import { allEndpoints } from '../shared/endpoints.js';
import { Store } from '../shared/store.js';
import { handleCommand } from './commands.js';
import { RunController } from './run-controller.js';
import { Scheduler } from './scheduler.js';
import { readSettings, type Settings } from '../shared/storage-schema.js';
import { startKeepAlive } from './keep-alive.js';

const store = new Store(storageLocal);
const fetchImpl = extensionFetch();

const controller = new RunController({
  measure: runMeasurement,
  store,
  runDeps: (signal, onProgress) => ({
    fetch: fetchImpl,
    clock: browserClock,
    hasher: sha256Hasher,
    inspect: responseUrlInspector,
    random: Math.random,
    signal,
    onProgress,
  }),
  broadcast: (event) => void messaging.send(event),
  keepAlive: () => startKeepAlive(keepAliveTick),
  now: () => Date.now(),
  newId: () => crypto.randomUUID(),
});

const endpoints = (settings: Settings) => allEndpoints(DEFAULT_ENDPOINTS, settings.customEndpoints);

const scheduler = new Scheduler({
  alarms,
  store,
  controller,
  network: () => networkState(),
  endpoints,
  now: () => Date.now(),
  random: Math.random,
});

messaging.onMessage((message) => handleCommand(message, { controller, store, endpoints }));
alarms.onAlarm((alarm) => void scheduler.onAlarm(alarm));
onStartupOrInstall(() => void store.settings().then((s) => scheduler.arm(s)));
storageLocal.onChanged((changes) => {
  const change = changes.settings;
  if (!change) return;
  const before = readSettings(change.oldValue);
  const after = readSettings(change.newValue);
  if (before.schedule !== after.schedule) void scheduler.arm(after, true);
});
