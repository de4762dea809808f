import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { DIRECTORY_FORMAT, verifiedEndpoints, verifyDirectory, type DirectorySource } from '../../src/core/endpoint-directory.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const secret = ed25519.utils.randomSecretKey();
const otherSecret = ed25519.utils.randomSecretKey();
const publicKeysHex = [hex(ed25519.getPublicKey(secret))];
const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed25519.verify(s, m, k);
const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const GOOD = [
  { id: 'example-org', name: 'Example.org endpoint', url: 'https://endpoint.example.org/' },
  { id: 'uni-lab', name: 'University lab', url: 'https://ttd.uni.example:8443/' },
];

function sign(body: Record<string, unknown>, key = secret): string {
  const payload = JSON.stringify({ issuedAt: new Date(NOW - DAY).toISOString(), expiresAt: new Date(NOW + 30 * DAY).toISOString(), sequence: 5, endpoints: GOOD, ...body });
  return JSON.stringify({ format: DIRECTORY_FORMAT, payload, signature: hex(ed25519.sign(new TextEncoder().encode(payload), key)) });
}

const check = (raw: string, minSequence?: number) => verifyDirectory(raw, { publicKeysHex, verify, nowMs: NOW, minSequence });

describe('verifyDirectory', () => {
  it('accepts a list signed with the build key and returns its endpoints', async () => {
    const v = await check(sign({}));
    expect(v.ok && v.directory.endpoints).toEqual(GOOD);
    expect(v.ok && v.directory.sequence).toBe(5);
  });

  it('accepts a list signed with any one of several build keys', async () => {
    const v = await verifyDirectory(sign({}, otherSecret), { publicKeysHex: [publicKeysHex[0]!, hex(ed25519.getPublicKey(otherSecret))], verify, nowMs: NOW });
    expect(v.ok).toBe(true);
  });

  it('refuses a payload changed after signing', async () => {
    const env = JSON.parse(sign({}));
    env.payload = env.payload.replace('endpoint.example.org', 'evil.example');
    expect(await check(JSON.stringify(env))).toEqual({ ok: false, reason: 'bad signature: no public key of this build signed this directory' });
  });

  it('refuses a list signed with another key', async () => {
    expect(await check(sign({}, otherSecret))).toMatchObject({ ok: false, reason: expect.stringMatching(/^bad signature/) });
  });

  it('refuses a signature that is not 64 bytes of hex', async () => {
    const env = JSON.parse(sign({}));
    env.signature = env.signature.slice(2);
    expect(await check(JSON.stringify(env))).toMatchObject({ ok: false, reason: expect.stringMatching(/no signature of 64 bytes/) });
  });

  it('refuses an expired list and says when it expired', async () => {
    expect(await check(sign({ expiresAt: new Date(NOW - 1000).toISOString() }))).toEqual({ ok: false, reason: `the directory expired at ${new Date(NOW - 1000).toISOString()}` });
  });

  it('refuses a list issued more than a day ahead of our clock', async () => {
    expect(await check(sign({ issuedAt: new Date(NOW + 2 * DAY).toISOString() }))).toMatchObject({ ok: false, reason: expect.stringMatching(/issued in the future/) });
  });

  it('refuses a list older than the one already kept (a replay)', async () => {
    expect(await check(sign({ sequence: 4 }), 5)).toEqual({ ok: false, reason: 'the directory is older than the one we have (sequence 4 < 5)' });
    expect((await check(sign({ sequence: 5 }), 5)).ok).toBe(true);
  });

  it.each([
    [{ id: 'x', name: 'X', url: 'http://x.example/' }, /entry 1 \("x"\): it has a url that is not https/],
    [{ id: 'x', name: 'X', url: 'https://x.example/path' }, /has a url with a path/],
    [{ id: 'x', name: 'X', url: 'https://u:p@x.example/' }, /has a url with credentials/],
    [{ id: 'Bad Id', name: 'X', url: 'https://x.example/' }, /has no id of lower-case letters/],
    [{ id: 'x', name: '', url: 'https://x.example/' }, /has no name/],
    [{ id: 'x', name: 'X', url: 'not a url' }, /has a url that does not parse/],
    ['https://x.example/', /entry 1: it is not an object/],
  ])('refuses a malformed entry %j with the reason', async (entry, reason) => {
    expect(await check(sign({ endpoints: [entry] }))).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('refuses an id listed twice, naming the second entry', async () => {
    expect(await check(sign({ endpoints: [GOOD[0], GOOD[0]] }))).toMatchObject({ ok: false, reason: 'malformed entry 2 ("example-org"): its id is listed twice' });
  });

  it('refuses an empty list, a wrong format and text that is not JSON', async () => {
    expect(await check(sign({ endpoints: [] }))).toMatchObject({ ok: false, reason: 'the directory lists no endpoints' });
    expect(await check(sign({}).replace(DIRECTORY_FORMAT, 'other/1'))).toMatchObject({ ok: false, reason: expect.stringMatching(/format/) });
    expect(await check('<html>')).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
  });

  it('refuses everything when the build has no key', async () => {
    expect(await verifyDirectory(sign({}), { publicKeysHex: [], verify, nowMs: NOW })).toEqual({ ok: false, reason: 'this build has no directory public key' });
  });
});

function source(fetched: () => Promise<string>, stored?: string, nowMs = NOW): DirectorySource & { saved: string[] } {
  const saved: string[] = [];
  return {
    publicKeysHex,
    verify,
    now: () => nowMs,
    fetchText: fetched,
    loadLastGood: async () => saved.at(-1) ?? stored,
    saveLastGood: async (raw) => void saved.push(raw),
    saved,
  };
}

describe('verifiedEndpoints', () => {
  it('takes a fresh valid list and keeps it as the last good one', async () => {
    const raw = sign({});
    const src = source(async () => raw);
    expect(await verifiedEndpoints(src)).toMatchObject({ source: 'fresh', endpoints: GOOD });
    expect(src.saved).toEqual([raw]);
  });

  it('keeps the last good list when the new one has a bad signature, and says why', async () => {
    const src = source(async () => sign({ sequence: 9 }, otherSecret), sign({}));
    const out = await verifiedEndpoints(src);
    expect(out).toMatchObject({ source: 'last-good', endpoints: GOOD, refused: expect.stringMatching(/^bad signature/) });
    expect(src.saved).toEqual([]);
  });

  it('keeps the last good list when the directory cannot be fetched', async () => {
    const out = await verifiedEndpoints(source(() => Promise.reject(new Error('ECONNREFUSED')), sign({})));
    expect(out).toMatchObject({ source: 'last-good', refused: 'the directory could not be fetched (ECONNREFUSED)' });
  });

  it('refuses a replay of an older list than the last good one', async () => {
    const out = await verifiedEndpoints(source(async () => sign({ sequence: 3 }), sign({ sequence: 5 })));
    expect(out).toMatchObject({ source: 'last-good', directory: { sequence: 5 }, refused: expect.stringMatching(/older than the one we have/) });
  });

  it('offers nothing when the last good list has expired since and the new one is refused', async () => {
    const old = sign({ expiresAt: new Date(NOW + DAY).toISOString() });
    const out = await verifiedEndpoints(source(async () => 'garbage', old, NOW + 2 * DAY));
    expect(out).toMatchObject({ source: 'none', endpoints: [], refused: expect.stringMatching(/not JSON/) });
  });
});
