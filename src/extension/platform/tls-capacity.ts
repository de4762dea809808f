// What this browser's own TLS path can carry, estimated from WebCrypto's AES-GCM throughput
// (decision.ts rule 10: a TLS finding is withheld when the TLS leg ran near it). The CLI
// measures its TLS capacity directly, with a loopback endpoint of its own (src/cli/
// client-capacity.ts); an extension can start no server, so it times the cipher TLS 1.3
// uses by default (AES-128-GCM, RFC 8446 section 9.1) in the same browser, on the same
// processor, at the moment of the run, and scales it by what the browser's HTTPS fetch
// carried per unit of AES-GCM in bench/tls-capacity-proxy.ts: TLS also costs the browser its
// network process, the hop to the worker and the reads, none of which the cipher alone shows.

/** The part of SubtleCrypto used here. */
export interface AesGcmEncryptor {
  generateKey(algorithm: AesKeyGenParams, extractable: boolean, usages: KeyUsage[]): Promise<CryptoKey | CryptoKeyPair>;
  encrypt(algorithm: AesGcmParams, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
}

/**
 * Loopback HTTPS goodput in headless Chromium over AES-GCM throughput (256 KiB per call) in
 * the same page, bench/RESULTS.md ("The browser's TLS capacity"): 0.08-0.54 in 8 samples under
 * a load of 9-19 on 2 cores, median 0.38, lower quartile 0.25. A fifth is taken, below the
 * lower quartile, so the estimate errs low and withholds a finding rather than blame the
 * network for the processor; the loopback figure itself carries the endpoint's TLS work on
 * the same cores, which errs low too.
 */
export const TLS_PER_AES_GCM = 0.2;
/** Bytes per encrypt call: large enough that the call's own overhead does not dominate. */
const CHUNK_BYTES = 256 * 1024;
/** Each timing encrypts this much: about 20-100 ms at the rates measured. */
const SAMPLE_BYTES = 16 * 1024 * 1024;
/** Timings taken; the median is kept, so one disturbed by another task does not decide. */
const SAMPLES = 3;

/** AES-128-GCM throughput in Mbit/s of SAMPLE_BYTES in CHUNK_BYTES calls. */
export async function aesGcmMbps(subtle: AesGcmEncryptor, now: () => number, totalBytes = SAMPLE_BYTES): Promise<number> {
  const key = (await subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt'])) as CryptoKey;
  const data = new Uint8Array(CHUNK_BYTES);
  const iv = new Uint8Array(12);
  const view = new DataView(iv.buffer);
  const startedAt = now();
  for (let done = 0, i = 0; done < totalBytes; done += CHUNK_BYTES, i++) {
    // A fresh nonce per call, as GCM requires (NIST SP 800-38D, 8.2); the key is thrown away.
    view.setUint32(8, i);
    await subtle.encrypt({ name: 'AES-GCM', iv }, key, data);
  }
  const ms = now() - startedAt;
  return ms > 0 ? (totalBytes * 8) / (ms * 1000) : 0;
}

/** The browser's TLS capacity in Mbit/s as rule 10 reads it; 0 (unknown) when WebCrypto fails. */
export async function browserTlsCapacityMbps(subtle: AesGcmEncryptor, now: () => number): Promise<number> {
  const rates: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) rates.push(await aesGcmMbps(subtle, now));
  } catch {
    return 0;
  }
  rates.sort((a, b) => a - b);
  return TLS_PER_AES_GCM * rates[Math.floor(rates.length / 2)]!;
}

/** The service worker's own WebCrypto and clock. */
export const measureBrowserTlsCapacityMbps = (): Promise<number> => browserTlsCapacityMbps(crypto.subtle, () => performance.now());
