import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../../src/core/errors.js';
import type { FetchLike } from '../../../src/core/io.js';
import { checkMirror, MIN_MIRROR_FILE_BYTES } from '../../../src/core/mirror/check.js';
import { FILE_URL, fakeMirror, nodeSha256, testClock, type FakeMirrorOptions } from '../../support/fake-mirror.js';

const FILE = MIN_MIRROR_FILE_BYTES + 12345;

async function check(opts: Partial<FakeMirrorOptions> = {}, extra: { remote?: Record<string, string> } = {}) {
  const m = fakeMirror({ fileBytes: FILE, ...opts });
  const result = await checkMirror(
    {
      fetch: m.fetch,
      hasher: nodeSha256,
      clock: testClock,
      headers: { 'user-agent': 'tls-throttle-detector/test' },
      ...(extra.remote ? { remoteAddressOf: (o: string) => extra.remote![o] } : {}),
    },
    FILE_URL,
  );
  return { m, result };
}

describe('checking a mirror before use', () => {
  it('accepts a file served alike over both schemes, and names each check made', async () => {
    const { result, m } = await check();
    expect(result.outcome).toBe('usable');
    if (result.outcome !== 'usable') return;
    expect(result.target).toMatchObject({ mode: 'mirror', host: 'mirror.test', tlsPort: 443, plainPort: 80, path: '/pub/big.iso', fileBytes: FILE });
    expect(result.target.etag).toBe('"5f3a-6d2c0000"');
    expect(result.checks).toContain(`same length on both schemes (${FILE} bytes)`);
    expect(result.checks).toContain('Accept-Ranges: bytes on both schemes');
    expect(result.checks).toContain('server addresses not visible on this platform (not compared)');
    expect(m.requests.map((r) => r.scheme)).toEqual(['https', 'http']);
    expect(m.requests.every((r) => r.range === 'bytes=0-16383' && r.headers['user-agent'])).toBe(true);
  });

  it('refuses a mirror whose http URL redirects to https, naming where', async () => {
    const { result } = await check({ plain: { redirect: true } });
    expect(result).toMatchObject({ outcome: 'not-usable' });
    expect(result.outcome !== 'usable' && result.reason).toMatch(/redirects \(HTTP 301\) to https:\/\/mirror.test\/pub\/big.iso/);
  });

  it('refuses a server that ignores Range, with the reason', async () => {
    const { result } = await check({ tls: { ignoreRange: true } });
    expect(result.outcome !== 'usable' && result.reason).toMatch(/ignores Range \(HTTP 200 with the whole file/);
  });

  it('calls a cache on the plaintext path only interference', async () => {
    const { result } = await check({ plain: { via: '1.1 isp-cache (squid)' } });
    expect(result).toMatchObject({ outcome: 'interfered' });
  });

  it('calls altered plaintext bytes interference', async () => {
    const { result } = await check({ plain: { alterAt: 100 } });
    expect(result.outcome !== 'usable' && result.reason).toMatch(/first 16384 bytes differ/);
    expect(result.outcome).toBe('interfered');
  });

  it('refuses two different files (different ETags)', async () => {
    const { result } = await check({ plain: { etag: '"other"' } });
    expect(result).toMatchObject({ outcome: 'not-usable' });
  });

  it('refuses an error page', async () => {
    const { result } = await check({ plain: { status: 404 } });
    expect(result.outcome !== 'usable' && result.reason).toMatch(/answered HTTP 404/);
  });

  it('reports a busy server with its Retry-After', async () => {
    const { result } = await check({ tls: { status: 503, retryAfter: '120' } });
    expect(result).toMatchObject({ outcome: 'busy', retryAfter: '120' });
  });

  it('refuses schemes that reach different addresses, naming both (CLI)', async () => {
    const { result } = await check({}, { remote: { 'http://mirror.test': '192.0.2.1', 'https://mirror.test': '192.0.2.9' } });
    expect(result.outcome !== 'usable' && result.reason).toMatch(/http 192.0.2.1, https 192.0.2.9/);
  });

  it('records the address when both schemes reach the same one', async () => {
    const { result } = await check({}, { remote: { 'http://mirror.test': '192.0.2.1', 'https://mirror.test': '192.0.2.1' } });
    expect(result.checks).toContain('same server address on both schemes (192.0.2.1)');
  });

  it('refuses a file too small to measure goodput', async () => {
    const m = fakeMirror({ fileBytes: 500_000 });
    const result = await checkMirror({ fetch: m.fetch, hasher: nodeSha256, clock: testClock }, FILE_URL);
    expect(result.outcome !== 'usable' && result.reason).toMatch(/only 500000 bytes/);
  });

  it('refuses a URL that names no file', async () => {
    const m = fakeMirror({ fileBytes: FILE });
    const result = await checkMirror({ fetch: m.fetch, hasher: nodeSha256, clock: testClock }, 'https://mirror.test/');
    expect(result.outcome !== 'usable' && result.reason).toMatch(/names no file/);
  });

  it('refuses a mirror the browser already reaches over HTTP/3, with the reason', async () => {
    const m = fakeMirror({ fileBytes: FILE });
    // What src/extension/platform/extension-io.ts does at the end of a TLS body over QUIC.
    const overQuic: FetchLike = async (url, init) => {
      const res = await m.fetch(url, init);
      if (!url.startsWith('https:')) return res;
      const reader = res.body!.getReader();
      return {
        ...res,
        headers: res.headers,
        body: {
          getReader: () => ({
            read: async () => {
              const r = await reader.read();
              if (r.done) throw new MeasureError('not-tcp', `${url} went over h3 (Resource Timing nextHopProtocol): HTTP/3 runs on QUIC over UDP`);
              return r;
            },
            cancel: (why?: unknown) => reader.cancel(why),
          }),
        },
      };
    };
    const result = await checkMirror({ fetch: overQuic, hasher: nodeSha256, clock: testClock }, FILE_URL);
    expect(result).toMatchObject({ outcome: 'not-usable', reason: `${FILE_URL} went over h3 (Resource Timing nextHopProtocol): HTTP/3 runs on QUIC over UDP` });
  });

  it('says which URL could not be reached', async () => {
    const result = await checkMirror(
      { fetch: async () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })), hasher: nodeSha256, clock: testClock },
      FILE_URL,
    );
    expect(result).toMatchObject({ outcome: 'unreachable', reason: `cannot reach ${FILE_URL}: ECONNREFUSED` });
  });
});
