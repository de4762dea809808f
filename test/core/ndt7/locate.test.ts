import { describe, expect, it } from 'vitest';
import { locateServers, parseLocateResponse, URL_KEYS, withClientMetadata } from '../../../src/core/ndt7/locate.js';
import type { FetchLike, ResponseLike } from '../../../src/core/io.js';

/** A result shaped as m-lab/locate's USAGE.md shows it. */
function result(machine: string, host = `ndt-${machine}`, token = 'T0K3N') {
  return {
    machine,
    location: { city: 'New York', country: 'US' },
    urls: {
      [URL_KEYS.wsDownload]: `ws://${host}/ndt/v7/download?access_token=${token}`,
      [URL_KEYS.wsUpload]: `ws://${host}/ndt/v7/upload?access_token=${token}`,
      [URL_KEYS.wssDownload]: `wss://${host}/ndt/v7/download?access_token=${token}`,
      [URL_KEYS.wssUpload]: `wss://${host}/ndt/v7/upload?access_token=${token}`,
    },
  };
}

const ok = (body: unknown) => parseLocateResponse(200, JSON.stringify(body));

describe('parseLocateResponse', () => {
  it('turns each result into a same-machine ws/wss target, in the order given', () => {
    const out = ok({ results: [result('mlab3-lga05.mlab-oti.measurement-lab.org'), result('mlab1-lga06.mlab-oti.measurement-lab.org')] });
    expect(out.kind).toBe('ok');
    if (out.kind !== 'ok') return;
    expect(out.targets.map((t) => t.machine)).toEqual(['mlab3-lga05.mlab-oti.measurement-lab.org', 'mlab1-lga06.mlab-oti.measurement-lab.org']);
    expect(out.targets[0]).toMatchObject({
      city: 'New York',
      country: 'US',
      wsDownload: 'ws://ndt-mlab3-lga05.mlab-oti.measurement-lab.org/ndt/v7/download?access_token=T0K3N',
      wssDownload: 'wss://ndt-mlab3-lga05.mlab-oti.measurement-lab.org/ndt/v7/download?access_token=T0K3N',
      wssUpload: 'wss://ndt-mlab3-lga05.mlab-oti.measurement-lab.org/ndt/v7/upload?access_token=T0K3N',
    });
  });

  it('skips a result whose ws and wss URLs name different hosts, saying why', () => {
    const split = result('mlab1-x');
    split.urls[URL_KEYS.wsDownload] = 'ws://elsewhere.example/ndt/v7/download?access_token=T';
    const out = ok({ results: [split, result('mlab2-y')] });
    expect(out.kind === 'ok' && out.targets.map((t) => t.machine)).toEqual(['mlab2-y']);
    expect(out.kind === 'ok' && out.rejected[0]).toMatch(/mlab1-x: ws and wss go to different hosts \(elsewhere.example, ndt-mlab1-x\)/);
  });

  it('skips a result whose URL under a ws key is really wss', () => {
    const wrong = result('mlab1-x');
    wrong.urls[URL_KEYS.wsDownload] = 'wss://ndt-mlab1-x/ndt/v7/download';
    const out = ok({ results: [wrong, result('mlab2-y')] });
    expect(out.kind === 'ok' && out.rejected).toEqual(['mlab1-x: ws:///ndt/v7/download points to wss:// instead of ws://']);
  });

  it('keeps a target without upload URLs, for downloads only', () => {
    const r = result('mlab1-x');
    delete (r.urls as Record<string, string>)[URL_KEYS.wsUpload];
    const out = ok({ results: [r] });
    expect(out.kind === 'ok' && out.targets[0]!.wsUpload).toBeUndefined();
    expect(out.kind === 'ok' && out.targets[0]!.wssUpload).toBeUndefined();
  });

  it('reads HTTP 200 with an empty object as M-Lab out of capacity (ndt7 spec)', () => {
    expect(parseLocateResponse(200, '{}').kind).toBe('no-capacity');
  });

  it('reads HTTP 200 with an empty result list as out of capacity', () => {
    expect(ok({ results: [] }).kind).toBe('no-capacity');
  });

  it('reads HTTP 503 with an error object as out of capacity, with its title and next_request', () => {
    const out = parseLocateResponse(
      503,
      JSON.stringify({ error: { type: '?', title: 'no available servers', status: 503 }, next_request: { nbf: '2026-11-24T10:00:00Z', exp: '2026-11-24T10:01:00Z', url: 'https://l/x' } }),
    );
    expect(out).toEqual({
      kind: 'no-capacity',
      detail: 'the locate service answered HTTP 503 (no available servers)',
      nextRequest: { notBeforeMs: Date.parse('2026-11-24T10:00:00Z'), url: 'https://l/x' },
    });
  });

  it('reads HTTP 429 (asking too often) as a reason to back off too', () => {
    expect(parseLocateResponse(429, '').kind).toBe('no-capacity');
  });

  it('reports any other status as an error with its number', () => {
    expect(parseLocateResponse(500, 'oops')).toEqual({ kind: 'error', detail: 'the locate service answered HTTP 500 with no JSON (oops)' });
  });

  it('reports results none of which is usable as an error listing why', () => {
    const out = ok({ results: [{ machine: 'm', urls: {} }] });
    expect(out).toEqual({ kind: 'error', detail: 'none of the 1 servers offered both ws and wss ndt7 URLs: m: no ws:///ndt/v7/download URL' });
  });
});

describe('withClientMetadata', () => {
  it('adds client_name and client_version after the access token', () => {
    expect(withClientMetadata('wss://h/ndt/v7/download?access_token=T', 'tls throttle', '1.0')).toBe(
      'wss://h/ndt/v7/download?access_token=T&client_name=tls%20throttle&client_version=1.0',
    );
  });

  it('never sends a key twice (ndt7 spec: no duplicate keys)', () => {
    expect(withClientMetadata('wss://h/x?access_token=T&client_name=other', 'me', '2')).toBe('wss://h/x?access_token=T&client_name=other&client_version=2');
  });
});

describe('locateServers', () => {
  it('names the client in the query string and reads the answer', async () => {
    const seen: string[] = [];
    const fetch: FetchLike = async (url) => {
      seen.push(url);
      return { status: 200, text: async () => JSON.stringify({ results: [result('m1')] }) } as unknown as ResponseLike;
    };
    const out = await locateServers(fetch, { locateUrl: 'https://locate.test/v2/nearest/ndt/ndt7', clientName: 'tls-throttle-detector', clientVersion: '0.1.0' });
    expect(seen).toEqual(['https://locate.test/v2/nearest/ndt/ndt7?client_name=tls-throttle-detector&client_version=0.1.0']);
    expect(out.kind).toBe('ok');
  });

  it('says which locate service it could not reach', async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    const out = await locateServers(fetch, { locateUrl: 'http://127.0.0.1:9/v2/nearest/ndt/ndt7', clientName: 'c', clientVersion: '1' });
    expect(out).toEqual({ kind: 'error', detail: 'cannot reach the locate service at http://127.0.0.1:9/v2/nearest/ndt/ndt7: connect ECONNREFUSED 127.0.0.1:9' });
  });
});
