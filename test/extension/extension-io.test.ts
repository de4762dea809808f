import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../src/core/errors.js';
import { extensionFetch, firefoxTransportProblem, responseUrlInspector, timingProblem, transportProblem, type TimingSource } from '../../src/extension/platform/extension-io.js';
import type { ResponseLike } from '../../src/core/io.js';

const URL_HTTP = 'http://e.test:8080/payload?bytes=3&n=1';

function fakeResponse(url: string, chunks: Uint8Array[], headers: Record<string, string> = {}, onCancel?: () => void): Response {
  let i = 0;
  return {
    status: 200,
    url,
    redirected: false,
    type: 'basic',
    headers: new Headers(headers),
    body: {
      getReader: () => ({
        read: async () => (i < chunks.length ? { done: false, value: chunks[i++] } : { done: true }),
        cancel: async () => onCancel?.(),
      }),
    },
    text: async () => 'ok',
  } as unknown as Response;
}

function timing(entries: Record<string, { name: string; secureConnectionStart: number; nextHopProtocol?: string }>): TimingSource & { cleared: number } {
  return {
    cleared: 0,
    getEntriesByName: (name) => (entries[name] ? [entries[name]!] : []),
    clearResourceTimings() {
      this.cleared++;
    },
  };
}

async function drain(res: ResponseLike): Promise<number> {
  const reader = res.body!.getReader();
  let bytes = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) return bytes;
    bytes += r.value!.length;
  }
}

describe('timingProblem', () => {
  it('flags a plaintext URL the browser fetched as https', () => {
    expect(timingProblem(URL_HTTP, { name: 'https://e.test:8080/payload?bytes=3&n=1', secureConnectionStart: 0 })).toMatch(
      /upgraded the plaintext leg to TLS/,
    );
  });

  it('flags a TLS handshake on a plaintext leg', () => {
    expect(timingProblem(URL_HTTP, { name: URL_HTTP, secureConnectionStart: 12.4 })).toMatch(/secureConnectionStart 12 ms/);
  });

  it('passes a plaintext leg without TLS', () => {
    expect(timingProblem(URL_HTTP, { name: URL_HTTP, secureConnectionStart: 0 })).toBeUndefined();
  });
});

describe('extensionFetch', () => {
  it('asks for no cache, no redirects and no cookies', async () => {
    let seen: RequestInit | undefined;
    const f = extensionFetch(async (_u, init) => ((seen = init), fakeResponse(URL_HTTP, [])), timing({}));
    await f(URL_HTTP, { method: 'GET' });
    expect(seen).toMatchObject({ cache: 'no-store', redirect: 'manual', credentials: 'omit' });
  });

  it('sends a second flow to one origin with credentials, so the browser gives it connections of its own', async () => {
    const seen: { url: string; credentials?: RequestCredentials }[] = [];
    const f = extensionFetch(async (u, init) => (seen.push({ url: String(u), credentials: init?.credentials }), fakeResponse(String(u), [])), timing({}));
    const tls = 'https://e.test/payload';
    for (let round = 0; round < 2; round++) {
      await f(tls, { flow: 'https-443-down-random' });
      await f(URL_HTTP, { flow: 'http-80-down-random' });
      await f(URL_HTTP, { flow: 'http-80-down-text' });
      await f(URL_HTTP, { flow: 'http-80-up-random' });
      await f(URL_HTTP, {});
    }
    // The screening downloads keep a pool each to themselves; later flows share the credentialed one.
    expect(seen.map((s) => s.credentials)).toEqual(Array(2).fill(['omit', 'omit', 'include', 'include', 'omit']).flat());
  });

  it('sends the headers it was made with on every request, under the request\'s own', async () => {
    let seen: RequestInit | undefined;
    const f = extensionFetch(async (_u, init) => ((seen = init), fakeResponse(URL_HTTP, [])), timing({}), { 'user-agent': 'tls-throttle-detector/1' });
    await f(URL_HTTP, { method: 'GET', headers: { range: 'bytes=0-9' } });
    expect(seen?.headers).toEqual({ 'user-agent': 'tls-throttle-detector/1', range: 'bytes=0-9' });
  });

  it('fails a plaintext body at its end when Resource Timing shows TLS', async () => {
    const t = timing({ [URL_HTTP]: { name: URL_HTTP, secureConnectionStart: 3 } });
    const f = extensionFetch(async () => fakeResponse(URL_HTTP, [new Uint8Array(3)]), t);
    const err = await drain(await f(URL_HTTP, {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeasureError);
    expect((err as MeasureError).kind).toBe('not-plaintext');
  });

  it('lets a clean plaintext body through and clears the timing buffer', async () => {
    const t = timing({ [URL_HTTP]: { name: URL_HTTP, secureConnectionStart: 0 } });
    const f = extensionFetch(async () => fakeResponse(URL_HTTP, [new Uint8Array(3)]), t);
    expect(await drain(await f(URL_HTTP, {}))).toBe(3);
    expect(t.cleared).toBe(1);
  });

  it('checks an upload answer too, when its text is read', async () => {
    const t = timing({ [URL_HTTP]: { name: 'https://e.test:8080/upload', secureConnectionStart: 0 } });
    const f = extensionFetch(async () => fakeResponse(URL_HTTP, []), t);
    await expect((await f(URL_HTTP, { method: 'POST', body: new Uint8Array(3) })).text()).rejects.toThrow(/upgraded/);
  });

  it('refuses a plaintext request the browser answered from https, before the core sees it', async () => {
    const f = extensionFetch(async () => fakeResponse('https://e.test:8080/payload?bytes=3&n=1', []), timing({}));
    const err = await f(URL_HTTP, {}).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('not-plaintext');
    expect((err as MeasureError).message).toMatch(/the browser upgraded the plaintext leg to TLS/);
  });

  it('fails a TLS body at its end when Resource Timing shows HTTP/3', async () => {
    const url = 'https://e.test/pub/big.bin';
    const t = timing({ [url]: { name: url, secureConnectionStart: 0, nextHopProtocol: 'h3' } });
    const f = extensionFetch(async () => fakeResponse(url, [new Uint8Array(3)]), t);
    const err = await drain(await f(url, { headers: { range: 'bytes=0-2' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeasureError);
    expect((err as MeasureError).kind).toBe('not-tcp');
    expect((err as MeasureError).message).toMatch(/^https:\/\/e\.test\/pub\/big\.bin went over h3 .*QUIC over UDP/);
    expect(t.cleared).toBe(1);
  });

  it('lets a TLS body over HTTP/2 or HTTP/1.1 through, and one whose protocol the browser hides', async () => {
    for (const nextHopProtocol of ['h2', 'http/1.1', '', undefined]) {
      const url = 'https://e.test/payload?n=1';
      const t = timing({ [url]: { name: url, secureConnectionStart: 4, ...(nextHopProtocol === undefined ? {} : { nextHopProtocol }) } });
      const f = extensionFetch(async () => fakeResponse(url, [new Uint8Array(3)]), t);
      expect(await drain(await f(url, {}))).toBe(3);
    }
  });

  it("refuses the body of a TLS response Firefox marks as HTTP/3 without reading it", async () => {
    const url = 'https://e.test/pub/big.bin';
    let cancelled = 0;
    const f = extensionFetch(async () => fakeResponse(url, [new Uint8Array(3)], { 'x-firefox-http3': 'h3' }, () => cancelled++), timing({}));
    const res = await f(url, {});
    expect(res.status).toBe(200);
    const err = await drain(res).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('not-tcp');
    expect((err as MeasureError).message).toMatch(/went over h3 \(Firefox's X-Firefox-Http3 response header\)/);
    expect(cancelled).toBe(1);
  });

  it('lets a TLS response Firefox marks as HTTP/2 through', async () => {
    const url = 'https://e.test/pub/big.bin';
    const f = extensionFetch(async () => fakeResponse(url, [new Uint8Array(3)], { 'x-firefox-spdy': 'h2' }), timing({}));
    expect(await drain(await f(url, {}))).toBe(3);
  });

  it('checks a TLS upload answer for HTTP/3 too, when its text is read', async () => {
    const url = 'https://e.test/upload';
    const t = timing({ [url]: { name: url, secureConnectionStart: 2, nextHopProtocol: 'h3' } });
    const f = extensionFetch(async () => fakeResponse(url, []), t);
    await expect((await f(url, { method: 'POST', body: new Uint8Array(3) })).text()).rejects.toThrow(/went over h3/);
  });
});

describe('firefoxTransportProblem', () => {
  const url = 'https://e.test/x';
  it("names the header's value, made safe, or HTTP/3 when it is empty", () => {
    expect(firefoxTransportProblem(url, new Headers({ 'x-firefox-http3': 'h3' }))).toMatch(/^https:\/\/e\.test\/x went over h3 /);
    expect(firefoxTransportProblem(url, new Headers({ 'x-firefox-http3': '' }))).toMatch(/went over HTTP\/3 /);
    expect(firefoxTransportProblem(url, new Headers({ 'x-firefox-http3': 'h3\u001b[31m' }))).not.toContain('\u001b');
  });

  it('passes a response without it', () => {
    expect(firefoxTransportProblem(url, new Headers({ 'x-firefox-spdy': 'h2' }))).toBeUndefined();
  });
});

describe('transportProblem', () => {
  const url = 'https://e.test/x';
  it('flags HTTP/3 and its drafts, and the older gQUIC name', () => {
    for (const p of ['h3', 'H3', 'h3-29', 'http/2+quic/46']) {
      expect(transportProblem(url, { name: url, secureConnectionStart: 0, nextHopProtocol: p }), p).toMatch(/QUIC over UDP/);
    }
  });

  it('passes TCP protocols and an empty value', () => {
    for (const p of ['h2', 'http/1.1', 'h2c', '']) {
      expect(transportProblem(url, { name: url, secureConnectionStart: 3, nextHopProtocol: p }), p).toBeUndefined();
    }
  });
});

describe('responseUrlInspector', () => {
  it('flags a plaintext request answered from an https URL', () => {
    expect(responseUrlInspector({ url: 'https://e.test/p' } as ResponseLike, 'http')).toMatch(/upgraded/);
  });

  it('passes a TLS leg', () => {
    expect(responseUrlInspector({ url: 'https://e.test/p' } as ResponseLike, 'https')).toBeUndefined();
  });
});
