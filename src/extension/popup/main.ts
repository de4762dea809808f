// The toolbar popup: "Run test", live progress, the newest verdict, the history. It reads
// results from storage and re-renders on storage.onChanged (docs/architecture.md, convention 3); the
// background tells it about a running test by broadcast.
import { DEFAULT_ENDPOINTS } from '../build-config.js';
import { parseQueueState } from '../../core/report-queue.js';
import { messaging, openOptionsPage, storageLocal, translate as t } from '../platform/browser.js';
import { byId, localizePage } from '../shared/dom.js';
import { allEndpoints, chooseEndpoint } from '../shared/endpoints.js';
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

const store = new Store(storageLocal);
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const runError = byId('run-error');
const endpointLine = byId('endpoint-line');
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
}

function renderHistory(): void {
  renderVerdictCard(latest, history.at(-1), t);
  renderHistoryTable(tbody, history, t);
  chart.render(history);
}

async function renderEndpoint(): Promise<void> {
  const settings = await store.settings();
  const endpoint = chooseEndpoint(allEndpoints(DEFAULT_ENDPOINTS, settings.customEndpoints), settings.selectedEndpointId);
  endpointLine.textContent = endpoint ? t('endpointLine', [endpoint.name, endpoint.url]) : t('noEndpoint');
  haveEndpoint = !!endpoint;
  renderRunButton();
}

async function renderReports(): Promise<void> {
  const stored = await storageLocal.get([REPORTING_KEY, REPORT_QUEUE_KEY]);
  renderReportStatus(reportView, readReporting(stored[REPORTING_KEY]), parseQueueState(stored[REPORT_QUEUE_KEY]), t);
}

async function command(name: 'runTest' | 'cancelTest' | 'getState'): Promise<void> {
  try {
    renderState(await sendCommand(messaging.send, name, {}));
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
  if (changes[REPORTING_KEY] || changes[REPORT_QUEUE_KEY]) void renderReports();
});

localizePage(document, t);
// Marks for bench/popup.ts: where the time to a usable popup goes.
void (async () => {
  history = await store.history();
  performance.mark('ttd:history-read');
  renderHistory();
  performance.mark('ttd:history-rendered');
  await renderEndpoint();
  await renderReports();
  await command('getState');
  performance.mark('ttd:ready');
  document.body.dataset.ready = 'true';
})();
