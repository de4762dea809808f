// Hostile and malformed POST /v1/reports: every case is refused with a 4xx, nothing is stored,
// and the collector still takes a good report afterwards. Over both stores.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateReport } from '../../../src/core/report.js';
import { sampleReport } from '../../support/report-fixtures.js';
import { httpRequest, STORE_KINDS, startTestCollector, stopTestPostgres, type TestCollector } from './harness.js';

afterAll(stopTestPostgres);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Case {
  name: string;
  body: string | Buffer;
  contentType?: string;
}

/** Every path to a value in the report: ['client', 'browser', 'major'], ['legs', 0, 'port']... */
function paths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...children.flatMap(([k, v]) => paths(v, [...prefix, k]))].filter((p) => p.length > 0);
}

function setAt(root: Json, path: Array<string | number>, value: Json | undefined): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node: Record<string | number, Json> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** Values of the wrong type for every field (no field takes a boolean, a negative number or such a string). */
const WRONG_VALUES: Json[] = [true, -1, 'X Y!', {}, [[]], 1e300, '', '0'.repeat(5000)];

function hostileCases(): Case[] {
  const good = JSON.parse(JSON.stringify(sampleReport())) as Json;
  const goodText = JSON.stringify(good);
  const cases: Case[] = [];
  const json = (name: string, v: unknown) => cases.push({ name, body: JSON.stringify(v) });

  // Wrong types at every path, nested ones included.
  for (const p of paths(good)) {
    for (const w of WRONG_VALUES) {
      // Emptying an array of legs or comparisons would be valid: [[]] is not.
      json(`${p.join('.')} = ${JSON.stringify(w).slice(0, 20)}`, setAt(good, p, w));
    }
  }
  // Every object key removed (array items removed are still valid reports).
  for (const p of paths(good)) if (typeof p[p.length - 1] === 'string') json(`without ${p.join('.')}`, setAt(good, p, undefined));
  // Extra keys, prototype pollution attempts among them, at the top and nested.
  for (const key of ['__proto__', 'constructor', 'prototype', 'extra', 'ip', '']) {
    cases.push({ name: `top-level "${key}"`, body: goodText.replace('{', `{${JSON.stringify(key)}:{"polluted":true},`) });
    cases.push({ name: `client."${key}"`, body: goodText.replace('"client":{', `"client":{${JSON.stringify(key)}:1,`) });
    cases.push({ name: `legs[0]."${key}"`, body: goodText.replace('"legs":[{', `"legs":[{${JSON.stringify(key)}:1,`) });
  }
  // Not an object, or not JSON at all.
  for (const text of ['', 'null', '[]', '1', '"report"', 'true', '{', goodText.slice(0, -1), `${goodText}x`, goodText.replace(/"ratio":[^,]+/, '"ratio":NaN'), goodText.replace(/"ratio":[^,]+/, '"ratio":1e400'), `/*c*/${goodText}`, `[${goodText}]`]) {
    cases.push({ name: `text ${text.slice(0, 30)}`, body: text });
  }
  // Deeply nested, within and beyond the size limit.
  cases.push({ name: 'nested arrays 8000 deep', body: `${'['.repeat(8000)}${']'.repeat(8000)}` });
  cases.push({ name: 'nested objects 2000 deep', body: `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}` });
  cases.push({ name: 'nested arrays in a field', body: goodText.replace(/"legs":\[/, `"legs":[${'['.repeat(3000)}${']'.repeat(3000)},`) });
  cases.push({ name: 'nested arrays 1e6 deep', body: '['.repeat(1_000_000) });
  // Huge.
  cases.push({ name: 'just over 16 KiB', body: goodText.replace('{', `{"pad":"${'x'.repeat(16 * 1024)}",`) });
  cases.push({ name: '8 MB', body: Buffer.alloc(8 * 1024 * 1024, 0x20) });
  cases.push({ name: '300 legs', body: JSON.stringify(setAt(good, ['legs'], Array(300).fill((good as { legs: Json[] }).legs[0]!))) });
  // Odd unicode and bytes.
  const at = (field: string, raw: string) => goodText.replace(new RegExp(`"${field}":"[^"]*"`), `"${field}":"${raw}"`);
  cases.push({ name: 'fullwidth digits in the hour', body: at('hour', '２０２６-11-24T08:00:00Z') });
  cases.push({ name: 'Arabic-Indic digits in the reportId', body: at('reportId', '٠'.repeat(32)) });
  cases.push({ name: 'lone surrogate in the endpoint', body: at('endpoint', 'ab\\ud800') });
  cases.push({ name: 'zero-width space in the endpoint', body: at('endpoint', 'local\u200b-dev') });
  cases.push({ name: 'right-to-left override in the endpoint', body: at('endpoint', '\u202elocal') });
  cases.push({ name: 'NUL in the verdict', body: at('verdict', 'no-difference\\u0000') });
  cases.push({ name: 'Cyrillic a in the verdict', body: at('verdict', 'inconclusive'.replace('c', '\u0441')) });
  cases.push({ name: 'newline in the version', body: goodText.replace(/"version":"[^"]*"/, '"version":"0.1.0\\nX"') });
  cases.push({ name: 'invalid UTF-8', body: Buffer.concat([Buffer.from(goodText.slice(0, 20)), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(goodText.slice(20))]) });
  cases.push({ name: 'UTF-16 body', body: Buffer.from(goodText, 'utf16le') });
  cases.push({ name: 'BOM then JSON', body: `\ufeff${goodText}` });
  // Wrong content types, with a valid body.
  for (const t of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '']) {
    cases.push({ name: `content-type "${t}"`, body: goodText, contentType: t });
  }
  return cases;
}

/** Deterministic byte-level mutations of a valid report (xorshift32, fixed seed). */
function mutations(count: number, seed = 0x9e3779b9): Buffer[] {
  let s = seed >>> 0;
  const rand = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(JSON.stringify(sampleReport()));
    const edits = 1 + Math.floor(rand() * 4);
    let bytes = [...b];
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * bytes.length);
      const kind = rand();
      const byte = Math.floor(rand() * 256);
      if (kind < 0.4) bytes[at] = byte;
      else if (kind < 0.7) bytes.splice(at, 1);
      else bytes.splice(at, 0, byte);
    }
    bytes = bytes.slice(0, 20_000);
    out.push(Buffer.from(bytes));
  }
  return out;
}

describe.each(STORE_KINDS)('hostile reports over %s', (kind) => {
  let c: TestCollector;
  beforeEach(async () => {
    c = await startTestCollector(kind);
  });
  afterEach(() => c.close());

  it('refuses every hand-made hostile case with a 4xx, stores none, and stays up', async () => {
    const cases = hostileCases();
    const wrong: string[] = [];
    for (const k of cases) {
      const res = await httpRequest(c.port, '/v1/reports', {
        method: 'POST',
        body: k.body,
        headers: { 'content-type': k.contentType ?? 'application/json' },
      }).catch((err: Error) => ({ status: -1, text: err.message }));
      // A reset while an oversized body is still being sent is a refusal too: the client sees no 2xx.
      const refused = (res.status >= 400 && res.status < 500) || (res.status === -1 && Buffer.byteLength(k.body) > 16 * 1024);
      if (!refused) wrong.push(`${k.name}: ${res.status} ${res.text.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(300);
    expect(await c.collector.store.reportIds()).toEqual([]);
    expect((await c.post(sampleReport())).status).toBe(201);
    console.log(`${kind}: ${cases.length} hand-made hostile cases refused`);
  });

  it('stores a randomly mutated report only when it still validates, and refuses the rest with a 4xx', async () => {
    const bodies = mutations(400);
    let accepted = 0;
    const wrong: string[] = [];
    for (const body of bodies) {
      const res = await httpRequest(c.port, '/v1/reports', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      let valid: boolean;
      try {
        valid = validateReport(JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body))).ok;
      } catch {
        valid = false;
      }
      if (valid && res.status === 201) accepted++;
      else if (valid || res.status < 400 || res.status >= 500) wrong.push(`${res.status} for ${body.toString('latin1').slice(0, 60)}`);
    }
    expect(wrong).toEqual([]);
    expect(await c.collector.store.reportIds()).toHaveLength(accepted);
    console.log(`${kind}: ${bodies.length} mutated reports, ${accepted} still valid and stored, ${bodies.length - accepted} refused`);
  });
});
