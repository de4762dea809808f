// The ndt7 protocol's constants and measurement messages (m-lab/ndt-server,
// spec/ndt7-protocol.md, and the constants of its ndt7/spec/spec.go).
//
// A test is one WebSocket (subprotocol net.measurementlab.ndt.v7) to /ndt/v7/download or
// /ndt/v7/upload. The sending side sends binary messages of random bytes and, at most every
// 250 ms, a text message with a JSON measurement. A test is expected to last 10 s; the receiver
// may give up after 15 s; either side may close early with a Close frame.

export const NDT7_SUBPROTOCOL = 'net.measurementlab.ndt.v7';
export const NDT7_DOWNLOAD_PATH = '/ndt/v7/download';
export const NDT7_UPLOAD_PATH = '/ndt/v7/upload';

/** The expected length of one test; the sender stops after it. */
export const NDT7_DEFAULT_RUNTIME_MS = 10_000;
/** A receiver may close the connection once a test has run this long. */
export const NDT7_MAX_RUNTIME_MS = 15_000;
/** Measurements are sent no more often than this. */
export const NDT7_MIN_MEASUREMENT_INTERVAL_MS = 250;

/** Binary messages start at 8 KiB and double as the transfer grows (spec appendix, 1 << 13). */
export const NDT7_INITIAL_MESSAGE_BYTES = 1 << 13;
/**
 * Uploads stop doubling at 1 MiB: larger messages overflowed the servers' read buffers from
 * browsers on fast lines (m-lab/ndt-server#365, m-lab/ndt7-js#44).
 */
export const NDT7_MAX_UPLOAD_MESSAGE_BYTES = 1 << 20;
/** The largest message an ndt7 peer must accept (1 << 24). */
export const NDT7_MAX_MESSAGE_BYTES = 1 << 24;
/** A message doubles once it is smaller than this fraction of the bytes sent so far. */
export const NDT7_SCALING_FRACTION = 16;

/** Next binary message size after `sentBytes` have gone out in messages of `currentBytes`. */
export function scaledMessageBytes(currentBytes: number, sentBytes: number, maxBytes: number): number {
  if (currentBytes >= maxBytes) return maxBytes;
  return currentBytes <= sentBytes / NDT7_SCALING_FRACTION ? Math.min(maxBytes, currentBytes * 2) : currentBytes;
}

/** The measurement message of ndt7 v0.9 and later (ndt7/model in m-lab/ndt-server). */
export interface Ndt7Measurement {
  AppInfo?: {
    /** Microseconds since the test began. */
    ElapsedTime: number;
    /** Application-level bytes sent (or received) since the test began. */
    NumBytes: number;
  };
  ConnectionInfo?: { Client?: string; Server?: string; UUID?: string };
  Origin?: 'client' | 'server';
  Test?: 'download' | 'upload';
  /** Linux TCP_INFO as the server sees it; only the fields we read are typed. */
  TCPInfo?: { ElapsedTime?: number; BytesAcked?: number; BytesReceived?: number; MinRTT?: number; RTT?: number };
}

function finiteNonNegative(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/**
 * A text message as a measurement, or undefined when it is not one we can use. Peers may send
 * fields we do not know (the spec allows extensions), so only the fields we read are checked.
 */
export function parseMeasurement(text: string): Ndt7Measurement | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const m = v as Record<string, unknown>;
  const out: Ndt7Measurement = {};
  const app = m['AppInfo'] as Record<string, unknown> | undefined;
  if (app && typeof app === 'object') {
    if (!finiteNonNegative(app['ElapsedTime']) || !finiteNonNegative(app['NumBytes'])) return undefined;
    out.AppInfo = { ElapsedTime: app['ElapsedTime'], NumBytes: app['NumBytes'] };
  }
  const conn = m['ConnectionInfo'] as Record<string, unknown> | undefined;
  if (conn && typeof conn === 'object') {
    out.ConnectionInfo = {};
    for (const k of ['Client', 'Server', 'UUID'] as const) {
      if (typeof conn[k] === 'string') out.ConnectionInfo[k] = conn[k];
    }
  }
  if (m['Origin'] === 'client' || m['Origin'] === 'server') out.Origin = m['Origin'];
  if (m['Test'] === 'download' || m['Test'] === 'upload') out.Test = m['Test'];
  const tcp = m['TCPInfo'] as Record<string, unknown> | undefined;
  if (tcp && typeof tcp === 'object') {
    out.TCPInfo = {};
    for (const k of ['ElapsedTime', 'BytesAcked', 'BytesReceived', 'MinRTT', 'RTT'] as const) {
      if (finiteNonNegative(tcp[k])) out.TCPInfo[k] = tcp[k];
    }
  }
  return out;
}
