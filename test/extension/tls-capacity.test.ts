import { describe, expect, it } from 'vitest';
import { aesGcmMbps, browserTlsCapacityMbps, TLS_PER_AES_GCM, type AesGcmEncryptor } from '../../src/extension/platform/tls-capacity.js';

/** A cipher that takes `msPerMiB` of a fake clock per MiB, in turn for each timing; records the nonces. */
function fakeCipher(msPerMiBByTiming: number[]) {
  let t = 0;
  let timing = -1;
  const nonces = new Set<string>();
  const subtle: AesGcmEncryptor = {
    generateKey: async () => {
      timing++;
      return {} as CryptoKey;
    },
    encrypt: async (algorithm, _key, data) => {
      nonces.add(Array.from(algorithm.iv as Uint8Array).join(','));
      t += ((data as Uint8Array).length / 2 ** 20) * msPerMiBByTiming[timing]!;
      return new ArrayBuffer(0);
    },
  };
  return { subtle, now: () => t, nonces };
}

describe('the browser\'s TLS capacity from AES-GCM', () => {
  it('times the cipher in Mbit/s, a fresh nonce per call', async () => {
    // 1 MiB in 4 ms: 8 Mibit in 4 ms, 2097 Mbit/s.
    const f = fakeCipher([4]);
    expect(await aesGcmMbps(f.subtle, f.now, 16 * 2 ** 20)).toBeCloseTo((2 ** 20 * 8) / 4000, 0);
    expect(f.nonces.size).toBe(64);
  });

  it('scales the median of three timings, so one disturbed timing does not decide', async () => {
    const f = fakeCipher([4, 40, 5]);
    const median = (2 ** 20 * 8) / 5000;
    expect(await browserTlsCapacityMbps(f.subtle, f.now)).toBeCloseTo(TLS_PER_AES_GCM * median, 0);
  });

  it('says 0 (unknown) when WebCrypto refuses', async () => {
    const subtle: AesGcmEncryptor = {
      generateKey: async () => Promise.reject(new Error('NotSupportedError')),
      encrypt: async () => new ArrayBuffer(0),
    };
    expect(await browserTlsCapacityMbps(subtle, () => 0)).toBe(0);
  });
});
