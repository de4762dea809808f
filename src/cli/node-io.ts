// Node's side effects for the core: undici's fetch with our CA (or none), Node's hash.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Clock, FetchLike, Hasher, ResponseLike } from '../core/io.js';

export interface TlsTrust {
  caFile?: string;
  insecure?: boolean;
}

export function nodeFetch(trust: TlsTrust): { fetch: FetchLike; close: () => Promise<void> } {
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  const agent = new Agent({
    connect: { ca, rejectUnauthorized: !trust.insecure },
    // One connection per origin keeps the transfers of a leg on one warmed-up TCP flow.
    connections: 4,
    keepAliveTimeout: 30_000,
  });
  const fetch: FetchLike = async (url, init) => {
    const res = await undiciFetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: init.headers,
      signal: init.signal,
      redirect: init.redirect ?? 'manual',
      dispatcher: agent,
    });
    return res as unknown as ResponseLike;
  };
  return { fetch, close: () => agent.close() };
}

export function nodeHasher(): Hasher {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), digestBase64: () => h.digest('base64') };
}

export const nodeClock: Clock = { now: () => performance.now() };
