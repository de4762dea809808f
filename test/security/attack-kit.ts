// What the adversarial tests share: raw attacker sockets on loopback, a victim client on another
// loopback address (Linux routes all of 127.0.0.0/8 to lo, so each address is a client of its
// own to the server's per-client limits), and a clock for "closed within the deadline".
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';

export const VICTIM = '127.0.0.2';

export interface Answer {
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request from `localAddress`, timed from start to the end of the body. */
export function timedRequest(
  port: number,
  path: string,
  opts: { method?: string; localAddress?: string; timeoutMs?: number; body?: string; headers?: Record<string, string>; countOnly?: boolean } = {},
): Promise<Answer & { bytes: number }> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', localAddress: opts.localAddress ?? VICTIM, agent: false, headers: opts.headers };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (!opts.countOnly) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), bytes }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${path} got no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sockets an attack holds, and when each closed. */
export class Held {
  readonly sockets: Array<Socket | TLSSocket> = [];
  readonly closedAtMs = new Map<Socket | TLSSocket, number>();
  /** The first bytes each socket received (a status line, when the server answered). */
  readonly firstBytes = new Map<Socket | TLSSocket, string>();

  add<S extends Socket | TLSSocket>(s: S): S {
    this.sockets.push(s);
    s.on('error', () => undefined);
    s.on('close', () => this.closedAtMs.set(s, performance.now()));
    return s;
  }
  open(): number {
    return this.sockets.length - this.closedAtMs.size;
  }
  /** Waits until every socket has closed or `withinMs` has passed; returns how many are open. */
  async allClosed(withinMs: number): Promise<number> {
    const deadline = performance.now() + withinMs;
    while (this.open() > 0 && performance.now() < deadline) await sleep(20);
    return this.open();
  }
  destroy(): void {
    for (const s of this.sockets) s.destroy();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A plain TCP connection from `localAddress` that has connected. */
export function rawSocket(held: Held, port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const s = held.add(connect({ host: '127.0.0.1', port, localAddress }));
  return new Promise((resolve) => {
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** A TLS connection whose handshake has finished, that then sends nothing. */
export function idleTlsSocket(held: Held, port: number, localAddress = '127.0.0.1'): Promise<TLSSocket> {
  const tcp = connect({ host: '127.0.0.1', port, localAddress });
  const s = held.add(tlsConnect({ socket: tcp, rejectUnauthorized: false }));
  return new Promise((resolve) => {
    s.once('secureConnect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** Sends a request and keeps the first bytes of the answer; with `stopReading`, reads no more. */
export function sendAndStopReading(held: Held, s: Socket, text: string, stopReading = true): void {
  s.once('data', (first: Buffer) => {
    held.firstBytes.set(s, first.subarray(0, 4000).toString('latin1'));
    if (stopReading) s.pause();
  });
  s.write(text);
}

/** Status code of an answer's first bytes ("HTTP/1.1 429 ..."), or 0 when none came. */
export function statusOf(first: string | undefined): number {
  return first ? Number(/^HTTP\/1\.1 (\d{3})/.exec(first)?.[1] ?? 0) : 0;
}

/** The JSON error of an answer's first bytes. */
export function jsonErrorOf(first: string | undefined): string | undefined {
  const body = first?.split('\r\n\r\n')[1];
  if (!body) return undefined;
  return (JSON.parse(body) as { error?: string }).error;
}

/** Polls /info from the victim's address until `stop` resolves; returns the slowest answer. */
export async function infoLatencyWhile(port: number, stop: Promise<unknown>, everyMs = 100): Promise<{ worstMs: number; answers: number; statuses: Set<number> }> {
  let done = false;
  void stop.finally(() => (done = true));
  let worstMs = 0;
  let answers = 0;
  const statuses = new Set<number>();
  while (!done) {
    const a = await timedRequest(port, '/info', { timeoutMs: 5000 }).catch(() => ({ status: -1, ms: 5000 }));
    worstMs = Math.max(worstMs, a.ms);
    statuses.add(a.status);
    answers++;
    await sleep(everyMs);
  }
  return { worstMs, answers, statuses };
}

/**
 * Waits until the server holds at most `atMost` sockets (its own count: a client that stopped
 * reading never sees the close, since it reads no more); returns the milliseconds it took, or
 * Infinity past `withinMs`.
 */
export async function serverSocketsDown(server: { connections(): { open: number } }, withinMs: number, atMost = 0): Promise<number> {
  const t0 = performance.now();
  while (server.connections().open > atMost) {
    if (performance.now() - t0 > withinMs) return Infinity;
    await sleep(20);
  }
  return performance.now() - t0;
}

export interface ChildAnswer {
  status: number;
  bytes: number;
  headers: Record<string, string | undefined>;
}

/** Sends the requests all at once from a child process (attack-child.ts) and returns its answers. */
export function attackFromChild(port: number, requests: Array<{ path: string; method?: string; localAddress?: string }>): Promise<ChildAnswer[]> {
  const script = fileURLToPath(new URL('./attack-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ port, requests })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildAnswer[]) : reject(new Error(`attack-child exited with ${code}`))));
  });
}
