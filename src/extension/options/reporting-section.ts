// Anonymous reports: a plain explanation, the exact JSON a report would carry (built
// by the same function the background uses, from the newest result or an example), the
// consent switch, and the collector it goes to. Off until the user turns it on; turning it off
// makes the background empty the queue (background/reporting.ts).
import type { DataCollectionPort, StoragePort } from '../platform/ports.js';
import type { EndpointRef } from '../shared/endpoints.js';
import { exampleEntry, newReportId, reportForEntry, type ReportClient } from '../shared/report-meta.js';
import { collectorUrl, effectiveCollectorUrl, readReporting, REPORTING_KEY, type ReportingState } from '../shared/reporting-state.js';
import type { OptionsSection } from './section.js';

export interface ReportingSectionDeps {
  storage: StoragePort;
  client: () => Promise<ReportClient>;
  collectorDefault: string;
  dataCollection: DataCollectionPort;
}

/** Stands in for a listed endpoint in the example when the build ships none. */
const EXAMPLE_ENDPOINT: EndpointRef = { id: 'custom:https://endpoint.example/', name: 'endpoint.example', url: 'https://endpoint.example/' };

export function reportingSection(deps: ReportingSectionDeps): OptionsSection {
  const read = async (): Promise<ReportingState> => readReporting((await deps.storage.get([REPORTING_KEY]))[REPORTING_KEY]);
  const save = async (patch: Partial<ReportingState>): Promise<ReportingState> => {
    const next = readReporting({ ...(await read()), ...patch });
    await deps.storage.set({ [REPORTING_KEY]: next });
    return next;
  };

  return {
    id: 'reporting-section',
    async mount(root, ctx) {
      // A build that names no collector (config/endpoints.json) offers no reports: the section
      // would only queue reports for nowhere (or a developer's 127.0.0.1).
      root.hidden = !deps.collectorDefault;
      if (!deps.collectorDefault) return;
      const consent = root.querySelector<HTMLInputElement>('#report-consent')!;
      const preview = root.querySelector<HTMLElement>('#report-preview')!;
      const previewSource = root.querySelector<HTMLElement>('#report-preview-source')!;
      const form = root.querySelector<HTMLFormElement>('#collector-form')!;
      const urlInput = root.querySelector<HTMLInputElement>('#collector-url')!;
      const status = root.querySelector<HTMLElement>('#reporting-status')!;
      const client = await deps.client();

      const renderPreview = async (): Promise<void> => {
        const newest = (await ctx.store.history()).at(-1);
        const entry = newest ?? exampleEntry(ctx.now(), ctx.defaults[0] ?? EXAMPLE_ENDPOINT);
        try {
          const report = reportForEntry(entry, client, ctx.defaults, newReportId());
          preview.textContent = JSON.stringify(report, null, 2);
          previewSource.textContent = newest
            ? ctx.t('reportPreviewFromNewest', [new Date(newest.finishedAt).toLocaleString()])
            : ctx.t('reportPreviewExample');
        } catch (err) {
          preview.textContent = '';
          previewSource.textContent = ctx.t('reportPreviewUnavailable', [(err as Error).message]);
        }
      };

      // Firefox's data-collection permission can be withdrawn outside this page (about:addons):
      // the background then sends nothing (background/reporting.ts permitted), and the switch
      // must not go on saying "on". Ticking it again asks for the permission again.
      const permitted = async (): Promise<boolean> => !deps.dataCollection.supported || (await deps.dataCollection.contains().catch(() => false));
      const renderState = async (state: ReportingState, error?: string): Promise<void> => {
        if (!error && state.consent && !(await permitted())) error = ctx.t('reportingNotPermitted');
        const url = effectiveCollectorUrl(state, deps.collectorDefault);
        consent.checked = state.consent && !error;
        if (document.activeElement !== urlInput) urlInput.value = state.collectorUrl ?? '';
        urlInput.placeholder = deps.collectorDefault || 'https://collector.example/v1/reports';
        status.dataset.state = error ? 'error' : state.consent ? 'on' : 'off';
        status.textContent = error ?? (state.consent ? ctx.t('reportingOn', [url]) : ctx.t('reportingOff'));
      };

      consent.addEventListener('change', () => {
        const wanted = consent.checked;
        const { dataCollection } = deps;
        // Firefox's own prompt: requested first thing, while the click still counts as a user gesture.
        const permitted = wanted && dataCollection.supported ? dataCollection.request() : Promise.resolve(true);
        void (async () => {
          const state = await read();
          let refused: string | undefined;
          try {
            if (!(await permitted)) refused = ctx.t('reportingNotPermitted');
          } catch (err) {
            refused = ctx.t('reportingNotPermitted') + ` (${(err as Error).message})`;
          }
          if (wanted && !refused && !effectiveCollectorUrl(state, deps.collectorDefault)) refused = ctx.t('reportingNeedsCollector');
          if (wanted && refused) {
            consent.checked = false;
            await renderState(state, refused);
            return;
          }
          await renderState(await save({ consent: wanted, decidedAt: ctx.now() }));
          if (!wanted && dataCollection.supported) await dataCollection.remove().catch(() => false);
        })();
      });

      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void (async () => {
          const typed = urlInput.value.trim();
          let chosen: string | null = null;
          try {
            if (typed) chosen = collectorUrl(typed);
          } catch (err) {
            urlInput.setAttribute('aria-invalid', 'true');
            await renderState(await read(), (err as Error).message);
            return;
          }
          urlInput.setAttribute('aria-invalid', 'false');
          urlInput.value = chosen ?? '';
          await renderState(await save({ collectorUrl: chosen }));
        })();
      });

      ctx.onStored((keys) => {
        if (keys.includes('history')) void renderPreview();
        if (keys.includes(REPORTING_KEY)) void read().then((s) => renderState(s));
      });
      if (deps.dataCollection.supported) deps.dataCollection.onChanged(() => void read().then((s) => renderState(s)));
      await renderPreview();
      await renderState(await read());
    },
  };
}
