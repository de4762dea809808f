// The public page (GET /v1/ and /aggregates.html): the per-network table and a chart of the
// share of "tls-throttled" verdicts per week. No external CDN and no inline script: the page
// loads /v1/aggregates.js from us under a Content-Security-Policy that allows nothing else,
// and the script builds every node with textContent / createElementNS, never innerHTML, so a
// network name from the database is only ever text.

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TLS throttling by network</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
  th, td { padding: .35rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { display: inline-block; height: .7rem; background: #c0392b; vertical-align: middle; margin-left: .4rem; }
  .muted { color: #666; }
  svg text { font: 12px system-ui, sans-serif; fill: #333; }
</style>
</head>
<body>
<h1>Is TLS slower than plain HTTP on your network?</h1>
<p class="muted">Anonymous reports from TLS Throttle Detector users, grouped by network (autonomous system) and country.
Only groups with at least 5 reports are shown. Open data: <a href="/v1/export?format=csv">CSV</a>, <a href="/v1/export?format=ndjson">NDJSON</a>.</p>
<h2>Last 90 days, per network</h2>
<p id="status" class="muted">Loading...</p>
<table id="networks" hidden>
<thead><tr><th>Network</th><th>Country</th><th class="num">Reports</th><th class="num">TLS throttled</th><th class="num">Name throttled</th><th class="num">No difference</th><th class="num">Inconclusive</th><th class="num">Other</th></tr></thead>
<tbody></tbody>
</table>
<h2>Share of "TLS throttled" per week</h2>
<div id="chart"></div>
<script src="/v1/aggregates.js"></script>
</body>
</html>
`;

/** Runs in the visitor's browser: it must not use anything from this module's scope. */
function pageScript(): void {
  type Share = { count: number; share: number };
  type Group = {
    windowStart: string;
    asn: number | null;
    network: string | null;
    country: string | null;
    reports: number;
    verdicts: Record<string, Share>;
  };
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const label = (g: Group) => (g.asn === null ? 'unknown network' : `AS${g.asn} ${g.network ?? ''}`.trim());
  const status = document.getElementById('status')!;
  const get = async (query: string): Promise<Group[]> => {
    const res = await fetch(`/v1/aggregates?${query}`);
    if (!res.ok) throw new Error(`the collector answered ${res.status}`);
    return ((await res.json()) as { groups: Group[] }).groups;
  };

  const table = (groups: Group[]) => {
    const body = document.querySelector('#networks tbody')!;
    for (const g of groups) {
      const tr = el('tr');
      tr.dataset.asn = g.asn === null ? 'unknown' : String(g.asn);
      const throttled = g.verdicts['tls-throttled']?.share ?? 0;
      // Throttled by server name (tls-throttle run --sni): its own column, not "other".
      const byName = g.verdicts['sni-throttled']?.share ?? 0;
      const other = 1 - throttled - byName - (g.verdicts['no-difference']?.share ?? 0) - (g.verdicts['inconclusive']?.share ?? 0);
      const cell = el('td', pct(throttled), 'num');
      const bar = el('span', undefined, 'bar');
      bar.style.width = `${Math.round(throttled * 80)}px`;
      cell.append(bar);
      tr.append(
        el('td', label(g)),
        el('td', g.country ?? 'unknown'),
        el('td', String(g.reports), 'num'),
        cell,
        el('td', pct(byName), 'num'),
        el('td', pct(g.verdicts['no-difference']?.share ?? 0), 'num'),
        el('td', pct(g.verdicts['inconclusive']?.share ?? 0), 'num'),
        el('td', pct(Math.max(0, other)), 'num'),
      );
      body.append(tr);
    }
    document.getElementById('networks')!.hidden = false;
  };

  const chart = (groups: Group[]) => {
    const box = document.getElementById('chart')!;
    if (!groups.length) {
      box.append(el('p', 'Not enough reports yet for a weekly chart.', 'muted'));
      return;
    }
    const weeks = [...new Set(groups.map((g) => g.windowStart))].sort();
    const totals = new Map<string, number>();
    for (const g of groups) totals.set(label(g), (totals.get(label(g)) ?? 0) + g.reports);
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name]) => name);
    const colours = ['#c0392b', '#2874a6', '#1e8449', '#b9770e', '#7d3c98', '#566573'];
    const W = 760, H = 260, L = 44, B = 28, T = 10, R = 210;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', '100%');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Share of TLS throttled verdicts per week for the networks with the most reports');
    const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    const x = (i: number) => L + (weeks.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (weeks.length - 1));
    const y = (share: number) => T + (1 - share) * (H - T - B);
    for (const s of [0, 0.25, 0.5, 0.75, 1]) {
      add('line', { x1: L, x2: W - R, y1: y(s), y2: y(s), stroke: '#e5e5e5' });
      add('text', { x: L - 6, y: y(s) + 4, 'text-anchor': 'end' }, `${s * 100}%`);
    }
    weeks.forEach((w, i) => {
      if (weeks.length <= 8 || i % Math.ceil(weeks.length / 8) === 0) add('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, w.slice(5));
    });
    top.forEach((name, n) => {
      const points = weeks
        .map((w, i) => {
          const g = groups.find((q) => q.windowStart === w && label(q) === name);
          return g ? `${x(i)},${y(g.verdicts['tls-throttled']?.share ?? 0)}` : null;
        })
        .filter((p): p is string => p !== null);
      const colour = colours[n % colours.length]!;
      add('polyline', { points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 });
      for (const p of points) {
        const [cx, cy] = p.split(',');
        add('circle', { cx: cx!, cy: cy!, r: 3, fill: colour });
      }
      add('rect', { x: W - R + 12, y: T + n * 18, width: 10, height: 10, fill: colour });
      add('text', { x: W - R + 28, y: T + n * 18 + 9 }, name.length > 26 ? `${name.slice(0, 25)}…` : name);
    });
    box.append(svg);
  };

  Promise.all([get('window=all&days=90'), get('window=week&days=84')]).then(
    ([all, weekly]) => {
      status.textContent = all.length ? '' : 'Not enough reports yet: a network appears once it has 5.';
      if (all.length) table(all);
      chart(weekly);
    },
    (err: unknown) => {
      status.textContent = `Could not load the aggregates: ${err instanceof Error ? err.message : String(err)}`;
    },
  );
}

/**
 * The script as served. esbuild's keepNames (on in tsx and the test runner, off in the build)
 * wraps functions in a module-level __name() helper that a function's source text does not
 * carry, so the served text defines a harmless one of its own.
 */
export const PAGE_SCRIPT = `(function () {\n  var __name = function (f) { return f; };\n  (${pageScript.toString()})();\n})();\n`;
