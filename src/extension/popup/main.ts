// The toolbar popup: "Run test", live progress, the newest verdict, the history. It reads
// results from storage and re-renders on storage.onChanged (design notes, convention 3); the
// background tells it about a running test by broadcast.
import { DEFAULT_ENDPOINTS, REPORT_COLLECTOR_URL } from '../build-config.js';
import { parseQueueState } from '../../core/report-queue.js';
import { messaging, openOptionsPage, permissions, storageLocal, translate as t } from '../platform/browser.js';
import { byId, localizePage } from '../shared/dom.js';
import { allEndpoints, autoCandidates, autoEndpoint, chooseEndpoint, isMlabEndpoint, type EndpointRef } from '../shared/endpoints.js';
import { locateUrlFor, MLAB_KEY, mlabPermissionOrigins, readMlab, type MlabState } from '../shared/mlab-state.js';
import { historyCsv, historyJson } from '../shared/history-export.js';
import { isBackgroundEvent, sendCommand, type RunState } from '../shared/messages.js';
import { readReporting, REPORT_QUEUE_KEY, REPORTING_KEY } from '../shared/reporting-state.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { Store } from '../shared/store.js';
import { exportFileName, saveFile } from './export-buttons.js';
import { HistoryChart } from './history-chart.js';
import { renderHistoryTable } from './history-table.js';
import { renderProgress } from './progress-view.js';
import { renderReportStatus } from './report-status.js';
import { renderVerdictCard } from './verdict-card.js';
import { renderNextSteps } from './next-steps.js';

const store = new Store(storageLocal);
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const runError = byId('run-error');
const endpointLine = byId('endpoint-line');
const intro = byId('intro');
const nextSteps = byId('next-steps');
const auto = autoEndpoint(t('autoEndpointName'));
/** Kept current, so that a click can ask for M-Lab's permission before any await. */
let mlabState: MlabState = readMlab(undefined);
let endpoints: EndpointRef[] = [];
const latest = byId('latest');
const tbody = byId('history-table').querySelector('tbody')!;
const progress = {
  box: byId('progress'),
  label: byId('progress-label'),
  bar: byId<HTMLProgressElement>('progress-bar'),
  legs: byId('leg-speeds'),
};
const chart = new HistoryChart(byId('chart'), t);
const reportView = { line: byId('report-status'), list: byId('report-list'), details: byId<HTMLDetailsElement>('report-details') };
let history: HistoryEntry[] = [];
let running = false;
/** Runs the background said have ended: an answer sent before that must not show them running. */
const finishedRuns = new Set<string>();
let haveEndpoint = true;

function showError(message: string | undefined): void {
  runError.hidden = !message;
  runError.textContent = message ?? '';
  showNextSteps();
}

/** A failed state always carries a next step: after a failed run, or a run that would not start. */
function showNextSteps(): void {
  const latestFailed = history.at(-1)?.result.verdict === 'failed';
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
      ...(latestFailed ? { failedId: history.at(-1)!.endpoint.id } : {}),
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

function renderRunButton(): void {
  runButton.disabled = running || !haveEndpoint;
}

function renderState(state: RunState): void {
  // Messages can overtake each other: a short run may end before runTest's answer arrives.
  if (state.status === 'running' && finishedRuns.has(state.runId)) return;
  running = state.status === 'running';
  renderRunButton();
  runButton.setAttribute('aria-busy', String(running));
  cancelButton.hidden = !running;
  renderProgress(progress, state, t);
  if (state.status === 'idle') showError(state.error);
  else showNextSteps();
}

function renderHistory(): void {
  // Before the first test: what a test does, how long it takes, how much data it may use.
  intro.hidden = history.length > 0;
  if (!intro.hidden) void store.settings().then((s) => (intro.textContent = t('firstRunIntro', [String(s.maxRunSeconds), String(s.runBudgetMb)])));
  showNextSteps();
  renderVerdictCard(latest, history.at(-1), t);
  renderHistoryTable(tbody, history, t);
  chart.render(history);
}

async function renderEndpoint(): Promise<void> {
  const settings = await store.settings();
  endpoints = allEndpoints(DEFAULT_ENDPOINTS, settings.customEndpoints);
  const endpoint = chooseEndpoint(endpoints, settings.selectedEndpointId, auto);
  endpointLine.textContent = !endpoint
    ? t('noEndpoint')
    : endpoint.id === auto.id
      ? t('endpointLineAuto', [String(autoCandidates(endpoints).length)])
      : t('endpointLine', [endpoint.name, endpoint.url]);
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
  renderReportStatus(reportView, readReporting(stored[REPORTING_KEY]), parseQueueState(stored[REPORT_QUEUE_KEY]), t);
}

async function command(name: 'runTest' | 'cancelTest' | 'getState', endpointId?: string): Promise<void> {
  try {
    renderState(await sendCommand(messaging.send, name, endpointId ? { endpointId } : {}));
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
byId('export-json').addEventListener('click', () =>
  saveFile(exportFileName('json', Date.now()), 'application/json', historyJson(history)),
);
byId('export-csv').addEventListener('click', () => saveFile(exportFileName('csv', Date.now()), 'text/csv', historyCsv(history)));

messaging.onMessage((message) => {
  if (!isBackgroundEvent(message)) return undefined;
  if (message.event === 'finished') finishedRuns.add(message.runId);
  else renderState(message.state);
  return undefined;
});
storageLocal.onChanged((changes) => {
  if (changes.history) {
    void store.history().then((h) => ((history = h), renderHistory()));
    // A new entry may be a run the background filed after it was restarted: the run this
    // popup saw progressing is over, whatever broadcast it missed.
    void command('getState');
  }
  if (changes.settings) void renderEndpoint();
  if (changes[MLAB_KEY]) void renderMlab();
  if (changes[REPORTING_KEY] || changes[REPORT_QUEUE_KEY]) void renderReports();
});

localizePage(document, t);
// Marks for bench/popup.ts: where the time to a usable popup goes.
void (async () => {
  history = await store.history();
  performance.mark('ttd:history-read');
  renderHistory();
  performance.mark('ttd:history-rendered');
  await renderMlab();
  await renderEndpoint();
  await renderReports();
  await command('getState');
  performance.mark('ttd:ready');
  document.body.dataset.ready = 'true';
})();
