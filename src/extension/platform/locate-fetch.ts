// fetch for M-Lab's locate API: unlike the measurement fetch (extension-io.ts) it follows
// redirects, which the ndt7 spec asks clients to do ("Server discovery"), and it still sends
// no cookies and never answers from the cache (every answer carries fresh access tokens).
import type { FetchLike, ResponseLike } from '../../core/io.js';

export function locateFetch(fetchImpl: typeof fetch = fetch): FetchLike {
  return async (url, init) => {
    const res = await fetchImpl(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      signal: init.signal,
      redirect: 'follow',
      cache: 'no-store',
      credentials: 'omit',
    });
    return res as unknown as ResponseLike;
  };
}
