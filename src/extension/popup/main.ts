// The toolbar popup: "Run test", live progress, the newest verdict, the history. It reads
// results from storage and re-renders on storage.onChanged (docs/architecture.md, convention
// 3); the background tells it about a running test by broadcast.
import { DEFAULT_ENDPOINTS, REPORT_COLLECTOR_URL, VERSION } from '../build-config.js';
import { parseQueueState } from '../../core/report-queue.js';
import { messaging, openOptionsPage, permissions, storageLocal, translate } from '../platform/browser.js';
import { networkState, onOnlineChange } from '../platform/network-state.js';
import { byId, isolate, localizePage, shownTranslation } from '../shared/dom.js';
import { allEndpoints, autoCandidates, autoEndpoint, chooseEndpoint, isMlabEndpoint, type EndpointRef } from '../shared/endpoints.js';
import { locateUrlFor, MLAB_KEY, mlabPermissionOrigins, readMlab, type MlabState } from '../shared/mlab-state.js';
import { historyCsv, historyJson } from '../shared/history-export.js';
import { pageFormat } from '../shared/locale-format.js';
import { isBackgroundEvent, sendCommand, type RunState } from '../shared/messages.js';
import { effectiveCollectorUrl, readReporting, REPORT_QUEUE_KEY, REPORTING_KEY } from '../shared/reporting-state.js';
import { headline } from '../shared/result-words.js';
import { HISTORY_INDEX_KEY, HISTORY_INDEX_VERSION, type HistoryIndex } from '../shared/history-index.js';
import { Store } from '../shared/store.js';
import type { Settings } from '../shared/storage-schema.js';
import { cardActions } from './card-actions.js';
import { exportFileName, saveFile } from './export-buttons.js';
import { FIRST_ROWS, renderHistoryTable } from './history-table.js';
import { renderProgress } from './progress-view.js';
import { renderRatioChart } from './ratio-chart.js';
import { renderReportStatus } from './report-status.js';
import { renderTransfersChart } from './transfers-chart.js';
import { renderVerdictCard } from './verdict-card.js';
import { renderNextSteps } from './next-steps.js';
import { fastLineCostText, firstRunFastLineText } from './fast-line-cost.js';
import { sniTest } from './sni-test.js';

// What the page shows (values isolated in a right-to-left page); what is copied or saved
// takes the plain translation.
const t = shownTranslation(translate);
const f = pageFormat(translate);
const store = new Store(storageLocal);
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const runBlocked = byId('run-blocked');
const runError = byId('run-error');
const announce = byId('announce');
const endpointLine = byId('endpoint-line');
const intro = byId('intro');
const fastLineCost = byId('fast-line-cost');
const nextSteps = byId('next-steps');
const auto = autoEndpoint(t('autoEndpointName'));
/** Kept current, so that a click can ask for M-Lab's permission before any await. */
let mlabState: MlabState = readMlab(undefined);
let endpoints: EndpointRef[] = [];
const latest = byId('latest');
const transfers = byId('transfers');
const latestSection = byId('latest-section');
const historySection = byId('history-section');
const tbody = byId('history-table').querySelector('tbody')!;
const showAll = byId<HTMLButtonElement>('show-all');
let showAllRows = false;
const progress = {
  box: byId('progress'),
  label: byId('progress-label'),
  time: byId('progress-time'),
  bar: byId<HTMLProgressElement>('progress-bar'),
  legs: byId('leg-speeds'),
  budget: byId('progress-budget'),
};
const reportView = { line: byId('report-status'), list: byId('report-list'), details: byId<HTMLDetailsElement>('report-details') };
/** What the popup draws from: the newest run in full and a few figures of every run. */
let index: HistoryIndex = { version: HISTORY_INDEX_VERSION, latest: null, points: [] };
let runState: RunState = { status: 'idle' };
let running = false;
/** Runs the background said have ended: an answer sent before that must not show them running. */
const finishedRuns = new Set<string>();
let haveEndpoint = true;
let online = networkState().online;
let maxRunMs = 60_000;
let collectorUrl = REPORT_COLLECTOR_URL;
let clock: ReturnType<typeof setInterval> | undefined;
/** The run shown on the card; a different newest run arriving while the popup is open takes focus. */
let shownRunId: string | undefined;
let firstRenderDone = false;
/** M-Lab's tests are sized by M-Lab: no fast-line budget there, so no cost line. */
let chosenEndpoint: EndpointRef | undefined;

const byName = sniTest({
  t,
  permissions,
  askZone: (endpointId) => sendCommand(messaging.send, 'sniZone', { endpointId }),
  run: (endpointId, sniName) => void command('runTest', endpointId, sniName),
  showError,
});

function showError(message: string | undefined): void {
  runError.hidden = !message;
  runError.textContent = message ?? '';
  showNextSteps();
}

/** A failed state always carries a next step: after a failed run, or a run that would not start. */
function showNextSteps(): void {
  const latestFailed = index.latest?.result.verdict === 'failed';
  if (running || (!latestFailed && runError.hidden)) {
    nextSteps.hidden = true;
    return;
  }
  const mlab = endpoints.find((e) => isMlabEndpoint(e));
  renderNextSteps(
    nextSteps,
    {
      servers: [...(autoCandidates(endpoints).length > 1 ? [auto] : []), ...autoCandidates(endpoints)],
      ...(mlab ? { mlab } : {}),
      mlabConsent: mlabState.consent,
      ...(latestFailed ? { failedId: index.latest!.endpoint.id } : {}),
    },
    {
      runWith: (endpointId) => void command('runTest', endpointId),
      acceptMlabAndRun: () => mlab && acceptMlabAndRun(mlab),
      openOptions: () => void openOptionsPage(),
    },
    t,
  );
}

/**
 * The consent is the click on a button right under M-Lab's consent text. The host permission
 * for the locate service is asked first, while the click's user activation lasts (MDN,
 * "permissions.request()"); consent is stored at once too, since Firefox may close the popup
 * when its permission prompt opens, and withdrawn if the permission is refused.
 */
function acceptMlabAndRun(mlab: EndpointRef): void {
  const origins = mlabPermissionOrigins(locateUrlFor(mlab, mlabState));
  const granted = permissions.request(origins);
  void (async () => {
    const accepted = readMlab({ ...mlabState, consent: true, decidedAt: Date.now(), retryAttempt: 0 });
    await storageLocal.set({ [MLAB_KEY]: accepted });
    if (!(await granted.catch(() => false))) {
      await storageLocal.set({ [MLAB_KEY]: { ...accepted, consent: false } });
      showError(t('mlabPermissionDenied', [new URL(locateUrlFor(mlab, mlabState)).hostname]));
      return;
    }
    await command('runTest', mlab.id);
  })();
}

/** Keeps keyboard focus somewhere useful when the element holding it is disabled or hidden. */
function keepFocus(from: HTMLElement, to: HTMLElement): void {
  if (document.activeElement === from || document.activeElement === document.body) to.focus();
}

function renderRunButton(): void {
  const blockedBy = !online ? t('offlineNotice') : !haveEndpoint ? t('noEndpoint') : '';
  runBlocked.hidden = !blockedBy || running;
  runBlocked.textContent = blockedBy;
  runButton.disabled = running || !haveEndpoint || !online;
  byName.setRunning(running || !online);
  if (runButton.disabled) keepFocus(runButton, running ? cancelButton : runBlocked);
}

function renderProgressNow(): void {
  renderProgress(progress, runState, t, f, maxRunMs, Date.now());
}

function renderState(state: RunState): void {
  // Messages can overtake each other: a short run may end before runTest's answer arrives.
  if (state.status === 'running' && finishedRuns.has(state.runId)) return;
  const wasRunning = running;
  runState = state;
  running = state.status === 'running';
  cancelButton.hidden = !running;
  runButton.setAttribute('aria-busy', String(running));
  renderRunButton();
  // The previous result is hidden while a new test runs: two results on screen would confuse.
  // A scheduled run can start while the keyboard is on the card: hiding it would drop the
  // focus to the page body, so it moves to Cancel first.
  if (running && !latestSection.hidden && latestSection.contains(document.activeElement)) cancelButton.focus();
  latestSection.hidden = running;
  renderProgressNow();
  if (running && !clock) clock = setInterval(renderProgressNow, 1000);
  if (!running && clock) {
    clearInterval(clock);
    clock = undefined;
  }
  if (wasRunning && !running) keepFocus(cancelButton, runButton);
  if (state.status === 'idle') showError(state.error);
  else showNextSteps();
}

function renderLatest(takeFocus: boolean): void {
  const entry = index.latest;
  if (!entry) return;
  // The newest run in history has ended, whatever its broadcasts say: an answer to runTest or
  // getState sent while the background was still filing it says "running", and may arrive
  // after this result is on screen; believed, it would hide the card and drop the focus.
  finishedRuns.add(entry.id);
  const rtl = document.documentElement.dir === 'rtl';
  // Redrawing replaces the card's elements: the focus stays on the one with the same id.
  const focusedId = latest.contains(document.activeElement) ? document.activeElement?.id : undefined;
  renderVerdictCard(latest, entry, t, f, {
    actions: cardActions(entry, { t: translate, f, version: VERSION, rtl, collectorUrl, status: announce }),
  });
  if (!takeFocus && focusedId !== undefined) (document.getElementById(focusedId) ?? byId('latest-headline')).focus();
  renderTransfersChart(byId('transfers-chart'), entry.result, t, f);
  transfers.hidden = byId('transfers-chart').hidden;
  if (takeFocus) {
    // A new result in history is a run that has ended, whether or not its "idle" broadcast
    // has arrived yet: show it now, or the focus would land on a hidden heading.
    latestSection.hidden = false;
    announce.textContent = headline(entry.result, t);
    byId('latest-headline').focus();
  }
  shownRunId = entry.id;
}

function renderHistory(): void {
  // Before the first test: what a test does, how long it takes, how much data it may use.
  intro.hidden = index.points.length > 0;
  void store.settings().then((s) => {
    if (!intro.hidden) intro.textContent = [t('firstRunIntro', [f.count(s.maxRunSeconds), f.count(s.runBudgetMb)]), firstRunFastLineText(s, t, f)].filter(Boolean).join(' ');
    renderFastLineCost(s);
  });
  showNextSteps();
  const newest = index.latest;
  renderLatest(firstRenderDone && newest !== null && newest.id !== shownRunId);
  firstRenderDone = true;
  historySection.hidden = index.points.length === 0;
  renderHistoryTable(tbody, index.points, t, f, showAllRows ? Infinity : FIRST_ROWS);
  showAll.hidden = showAllRows || index.points.length <= FIRST_ROWS;
  showAll.textContent = t('showAllResults', [f.count(index.points.length)]);
  renderRatioChart(byId('ratio-chart'), index.points, t, f);
}

/** Before a test that will cost more than the run budget: the estimate from the newest rate. */
function renderFastLineCost(s: Settings): void {
  const cost = isMlabEndpoint(chosenEndpoint) ? undefined : fastLineCostText(index.latest?.result, s, t, f);
  fastLineCost.hidden = !cost;
  fastLineCost.textContent = cost ?? '';
}

async function renderEndpoint(): Promise<void> {
  const settings = await store.settings();
  endpoints = allEndpoints(DEFAULT_ENDPOINTS, settings.customEndpoints);
  const endpoint = chooseEndpoint(endpoints, settings.selectedEndpointId, auto);
  chosenEndpoint = endpoint;
  byName.setEndpoint(endpoint);
  renderFastLineCost(settings);
  endpointLine.textContent = !endpoint
    ? ''
    : endpoint.id === auto.id
      ? t('endpointLineAuto', [f.count(autoCandidates(endpoints).length)])
      : t('endpointLine', [isolate(endpoint.name), isolate(endpoint.url)]);
  maxRunMs = settings.maxRunSeconds * 1000;
  haveEndpoint = !!endpoint;
  renderRunButton();
  showNextSteps();
}

async function renderMlab(): Promise<void> {
  mlabState = readMlab((await storageLocal.get([MLAB_KEY]))[MLAB_KEY]);
  showNextSteps();
}

async function renderReports(): Promise<void> {
  // A build that names no collector has no reports to speak of (config/endpoints.json).
  reportView.line.hidden = !REPORT_COLLECTOR_URL;
  if (!REPORT_COLLECTOR_URL) return;
  const stored = await storageLocal.get([REPORTING_KEY, REPORT_QUEUE_KEY]);
  const reporting = readReporting(stored[REPORTING_KEY]);
  collectorUrl = effectiveCollectorUrl(reporting, REPORT_COLLECTOR_URL);
  renderReportStatus(reportView, reporting, parseQueueState(stored[REPORT_QUEUE_KEY]), t, f);
}

async function command(name: 'runTest' | 'cancelTest' | 'getState', endpointId?: string, sniName?: string): Promise<void> {
  try {
    renderState(await sendCommand(messaging.send, name, { ...(endpointId ? { endpointId } : {}), ...(sniName ? { sniName } : {}) }));
  } catch (err) {
    showError(t('backgroundUnavailable', [err instanceof Error ? err.message : String(err)]));
  }
}

runButton.addEventListener('click', () => {
  showError(undefined);
  void command('runTest');
});
cancelButton.addEventListener('click', () => void command('cancelTest'));
byId('open-options').addEventListener('click', () => void openOptionsPage());
// The full history is read only when it is exported: the popup draws from the index.
byId('export-json').addEventListener('click', () => {
  void store.history().then((h) => saveFile(exportFileName('json', Date.now()), 'application/json', historyJson(h)));
});
byId('export-csv').addEventListener('click', () => {
  void store.history().then((h) => saveFile(exportFileName('csv', Date.now()), 'text/csv', historyCsv(h)));
});
showAll.addEventListener('click', () => {
  showAllRows = true;
  renderHistoryTable(tbody, index.points, t, f, Infinity);
  showAll.hidden = true;
  byId('history-table').parentElement!.focus();
});
onOnlineChange((now) => {
  online = now;
  renderRunButton();
});

messaging.onMessage((message) => {
  if (!isBackgroundEvent(message)) return undefined;
  if (message.event === 'finished') finishedRuns.add(message.runId);
  else renderState(message.state);
  return undefined;
});
storageLocal.onChanged((changes) => {
  if (changes[HISTORY_INDEX_KEY] || changes.history) {
    // History written without its index (by an older version, or a test's seed) has it rebuilt.
    const read = changes[HISTORY_INDEX_KEY] ? store.historyIndex() : store.rebuildHistoryIndex();
    void read.then((i) => ((index = i), renderHistory()));
    // A new entry may be a run the background filed after it was restarted: the run this
    // popup saw progressing is over, whatever broadcast it missed.
    void command('getState');
  }
  if (changes.settings) void renderEndpoint();
  if (changes[MLAB_KEY]) void renderMlab();
  if (changes[REPORTING_KEY] || changes[REPORT_QUEUE_KEY]) {
    // The card shows the collector's page link only: it is redrawn when that changes, not on
    // every step of the report queue (a redraw while reading would close its details).
    const shownCollector = collectorUrl;
    void renderReports().then(() => collectorUrl !== shownCollector && renderLatest(false));
  }
});

localizePage(document, t);
// Marks for bench/popup.ts: where the time to a usable popup goes.
void (async () => {
  const state = command('getState');
  const [i] = await Promise.all([store.historyIndex(), renderMlab().then(renderEndpoint), renderReports()]);
  index = i;
  performance.mark('ttd:history-read');
  renderHistory();
  performance.mark('ttd:history-rendered');
  await state;
  performance.mark('ttd:ready');
  document.body.dataset.ready = 'true';
})();
