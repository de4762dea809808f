import { describe, expect, it } from 'vitest';
import { checkMirror, MIN_MIRROR_FILE_BYTES } from '../../../src/core/mirror/check.js';
import { BLOCK_BYTES } from '../../../src/core/mirror/range.js';
import { MirrorSession } from '../../../src/core/mirror/session.js';
import type { MirrorTarget } from '../../../src/core/endpoint.js';
import { FILE_URL, fakeMirror, nodeSha256, testClock, type FakeMirrorOptions } from '../../support/fake-mirror.js';

const FILE = MIN_MIRROR_FILE_BYTES + 12345;

async function session(opts: Partial<FakeMirrorOptions> = {}, random = 0.5) {
  const clean = fakeMirror({ fileBytes: FILE });
  const checked = await checkMirror({ fetch: clean.fetch, hasher: nodeSha256, clock: testClock }, FILE_URL);
  if (checked.outcome !== 'usable') throw new Error(checked.reason);
  const m = fakeMirror({ fileBytes: FILE, ...opts });
  const s = new MirrorSession(
    { fetch: m.fetch, clock: testClock, hasher: nodeSha256, random: () => random, headers: { 'user-agent': 'ua' } },
    checked.target as MirrorTarget,
  );
  return { m, s };
}

describe('a run\'s transfers against a mirror', () => {
  it('measures fresh ranges and verifies plaintext with the round\'s TLS bytes', async () => {
    const { s, m } = await session();
    const tls = await s.transfer({ scheme: 'https', port: 443, bytes: 8 * BLOCK_BYTES, round: 0 });
    const plain = await s.transfer({ scheme: 'http', port: 80, bytes: 8 * BLOCK_BYTES, round: 0 });
    expect(tls.outcome).toBe('sample');
    expect(plain).toMatchObject({ outcome: 'sample' });
    expect(await s.verifyPending()).toEqual({ outcome: 'verified', verifyBytes: 0 });
    if (tls.outcome !== 'sample' || plain.outcome !== 'sample') return;
    expect(plain.range).toEqual(tls.range);
    expect(plain.sample.bytes).toBe(8 * BLOCK_BYTES);
    const next = await s.transfer({ scheme: 'http', port: 80, bytes: 8 * BLOCK_BYTES, round: 1 });
    expect(next.outcome === 'sample' && next.range.start).toBe(tls.range.end);
    // Round 1's plaintext leg came first; its TLS leg, shorter, covers half of it, and the round's
    // end fetches the rest over TLS, unmeasured.
    await s.transfer({ scheme: 'https', port: 443, bytes: 4 * BLOCK_BYTES, round: 1 });
    expect(await s.verifyPending()).toEqual({ outcome: 'verified', verifyBytes: 4 * BLOCK_BYTES });
    expect(m.requests.filter((r) => r.scheme === 'https')).toHaveLength(3);
    expect(s.verifiedBlocks).toBe(16);
    expect(await s.verifyPending()).toEqual({ outcome: 'verified', verifyBytes: 0 });
  });

  it('starts at a random place in the file, so two runs read different bytes', async () => {
    const a = await (await session({}, 0.1)).s.transfer({ scheme: 'https', port: 443, bytes: BLOCK_BYTES, round: 0 });
    const b = await (await session({}, 0.7)).s.transfer({ scheme: 'https', port: 443, bytes: BLOCK_BYTES, round: 0 });
    expect(a.outcome === 'sample' && b.outcome === 'sample' && a.range.start !== b.range.start).toBe(true);
  });

  it('returns interfered from the round\'s end when the pending plaintext bytes differ from TLS', async () => {
    const { s } = await session({ plain: { alterAt: Math.floor(FILE / 2) + 5 } }, 0.5);
    expect(await s.transfer({ scheme: 'http', port: 80, bytes: 4 * BLOCK_BYTES, round: 0 })).toMatchObject({ outcome: 'sample' });
    const end = await s.verifyPending();
    expect(end.outcome === 'interfered' && end.reason).toMatch(/plaintext copy of bytes \d+-\d+ differs/);
  });

  it('returns interfered from the TLS leg when it contradicts the plaintext leg before it', async () => {
    const { s } = await session({ plain: { alterAt: Math.floor(FILE / 2) + 5 } }, 0.5);
    await s.transfer({ scheme: 'http', port: 80, bytes: 4 * BLOCK_BYTES, round: 0 });
    expect(await s.transfer({ scheme: 'https', port: 443, bytes: 4 * BLOCK_BYTES, round: 0 })).toMatchObject({ outcome: 'interfered' });
  });

  it('returns interfered, naming the bytes, when plaintext was altered', async () => {
    const { s } = await session({ plain: { alterAt: Math.floor(FILE / 2) + 5 } }, 0.5);
    await s.transfer({ scheme: 'https', port: 443, bytes: 4 * BLOCK_BYTES, round: 0 });
    const plain = await s.transfer({ scheme: 'http', port: 80, bytes: 4 * BLOCK_BYTES, round: 0 });
    expect(plain).toMatchObject({ outcome: 'interfered' });
    expect(plain.outcome === 'interfered' && plain.reason).toMatch(/plaintext copy of bytes \d+-\d+ differs/);
  });

  it('returns interfered when a cache answers the plaintext leg only', async () => {
    const { s } = await session({ plain: { via: '1.1 squid' } });
    await s.transfer({ scheme: 'https', port: 443, bytes: BLOCK_BYTES, round: 0 });
    expect(await s.transfer({ scheme: 'http', port: 80, bytes: BLOCK_BYTES, round: 0 })).toMatchObject({ outcome: 'interfered' });
  });

  it('returns interfered when plaintext loses its Range on the way', async () => {
    const { s } = await session({ plain: { ignoreRange: true } });
    const r = await s.transfer({ scheme: 'http', port: 80, bytes: BLOCK_BYTES, round: 0 });
    expect(r).toMatchObject({ outcome: 'interfered' });
  });

  it('returns not usable when the TLS side stops honouring Range', async () => {
    const { s } = await session({ tls: { ignoreRange: true } });
    expect(await s.transfer({ scheme: 'https', port: 443, bytes: BLOCK_BYTES, round: 0 })).toMatchObject({ outcome: 'not-usable' });
  });

  it('returns not usable for a 206 with other bytes than asked', async () => {
    const { s } = await session({ wrongContentRange: 'bytes 0-9/10' });
    const r = await s.transfer({ scheme: 'https', port: 443, bytes: BLOCK_BYTES, round: 0 });
    expect(r.outcome === 'not-usable' && r.reason).toMatch(/answered bytes 0-9 to a request for/);
  });

  it('returns busy with the Retry-After on 429', async () => {
    const { s } = await session({ busyFirst: { count: 1, retryAfter: '3' } });
    expect(await s.transfer({ scheme: 'http', port: 80, bytes: BLOCK_BYTES, round: 0 })).toMatchObject({ outcome: 'busy', retryAfter: '3' });
  });

  it('sends the User-Agent and a Range header on every request', async () => {
    const { s, m } = await session();
    await s.transfer({ scheme: 'http', port: 80, bytes: 3 * BLOCK_BYTES, round: -1 });
    expect(m.requests.length).toBeGreaterThan(0);
    expect(m.requests.every((r) => r.headers['user-agent'] === 'ua' && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  });
});
