import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../src/core/errors.js';
import { timedDownload } from '../../src/core/transfer.js';
import { FILE_URL, fakeMirror, nodeSha256, testClock } from '../support/fake-mirror.js';

const deps = (fetch: ReturnType<typeof fakeMirror>['fetch']) => ({ fetch, clock: testClock, hasher: nodeSha256 });

describe('timedDownload with a Range request', () => {
  it('sends the headers, takes the 206, lets the response be checked and hands over the body', async () => {
    const m = fakeMirror({ fileBytes: 100_000 });
    let seenStatus = 0;
    let body: Uint8Array | undefined;
    const sample = await timedDownload(deps(m.fetch), {
      url: FILE_URL,
      scheme: 'https',
      expectBytes: 1000,
      headers: { range: 'bytes=500-1499' },
      expectStatus: 206,
      onResponse: (res) => void (seenStatus = res.status),
      onBody: (b) => void (body = b),
    });
    expect(sample.bytes).toBe(1000);
    expect(seenStatus).toBe(206);
    expect(body?.[0]).toBe(m.byteAt(500));
    expect(m.requests[0]?.range).toBe('bytes=500-1499');
  });

  it('refuses a 200 to a Range request before reading the body', async () => {
    const m = fakeMirror({ fileBytes: 100_000, tls: { ignoreRange: true } });
    const err = await timedDownload(deps(m.fetch), {
      url: FILE_URL,
      scheme: 'https',
      expectBytes: 1000,
      headers: { range: 'bytes=0-999' },
      expectStatus: 206,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeasureError);
    expect((err as MeasureError).kind).toBe('range-ignored');
  });

  it('drops the body of a refused response, so it cannot hold the connection', async () => {
    const m = fakeMirror({ fileBytes: 100_000, tls: { ignoreRange: true } });
    let cancelled = false;
    const fetch: typeof m.fetch = async (url, init) => {
      const res = await m.fetch(url, init);
      const body = res.body!;
      return { ...res, headers: res.headers, body: { getReader: () => ({ ...body.getReader(), cancel: async () => void (cancelled = true) }) } };
    };
    await timedDownload(deps(fetch), { url: FILE_URL, scheme: 'https', expectBytes: 10, headers: { range: 'bytes=0-9' }, expectStatus: 206 }).catch(() => undefined);
    expect(cancelled).toBe(true);
  });

  it('calls 429 and 503 busy and keeps the Retry-After', async () => {
    const m = fakeMirror({ fileBytes: 100_000, busyFirst: { count: 1, retryAfter: '30' } });
    const err = (await timedDownload(deps(m.fetch), { url: FILE_URL, scheme: 'https', expectBytes: 10 }).catch((e: unknown) => e)) as MeasureError;
    expect(err.kind).toBe('busy');
    expect(err.retryAfter).toBe('30');
    expect(err.message).toMatch(/answered HTTP 429 \(Retry-After: 30\)/);
  });

  it('refuses the response when onResponse throws', async () => {
    const m = fakeMirror({ fileBytes: 100_000 });
    const err = await timedDownload(deps(m.fetch), {
      url: FILE_URL,
      scheme: 'https',
      expectBytes: 10,
      headers: { range: 'bytes=0-9' },
      expectStatus: 206,
      onResponse: () => {
        throw new MeasureError('not-usable', 'wrong bytes');
      },
    }).catch((e: unknown) => e);
    expect((err as MeasureError).message).toBe('wrong bytes');
  });
});
