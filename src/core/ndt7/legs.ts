// The legs and pairs of an M-Lab run. A leg id reads like the HTTP runner's
// (`<scheme>-<port>-<direction>-<payload>`, plan.ts), with the WebSocket scheme in front:
//   wss-443-down-random  ndt7 download over TLS (wss://) on the server's TLS port
//   ws-80-down-random    the same download in the clear (ws://) on its plain port
//   wss-443-up-random / ws-80-up-random   the uploads
// The port is whatever the locate URL names (443 and 80 unless stated). `scheme` keeps the
// Result contract's meaning: 'https' for the TLS leg, 'http' for the plain one. The payload
// is always random: ndt7 servers send random bytes, and the client's upload frames are masked
// (RFC 6455 sec. 5.3), so they look random on the wire whatever their content.
import type { PairSpec } from '../plan.js';
import type { Direction, LegSpec } from '../types.js';
import type { MlabTarget } from './locate.js';

export function ndt7LegId(tls: boolean, port: number, direction: Direction): string {
  return `${tls ? 'wss' : 'ws'}-${port}-${direction}-random`;
}

function portOf(url: string, tls: boolean): number {
  const p = new URL(url).port;
  return p ? Number(p) : tls ? 443 : 80;
}

export interface Ndt7Leg extends LegSpec {
  tls: boolean;
  url: string;
}

function leg(tls: boolean, direction: Direction, url: string): Ndt7Leg {
  const port = portOf(url, tls);
  return { id: ndt7LegId(tls, port, direction), scheme: tls ? 'https' : 'http', port, direction, payload: 'random', tls, url };
}

export interface Ndt7Plan {
  screening: PairSpec[];
  /** Uploads: Rogers capped uploads of encrypted flows (docs/method.md, "Legs and pairs"). */
  diagnosis: PairSpec[];
  urls: Map<string, string>;
}

/** Screening: the wss download against the ws download on the same machine. */
export function ndt7Plan(target: MlabTarget): Ndt7Plan {
  const wssDown = leg(true, 'down', target.wssDownload);
  const wsDown = leg(false, 'down', target.wsDownload);
  const all: Ndt7Leg[] = [wssDown, wsDown];
  const diagnosis: PairSpec[] = [];
  if (target.wssUpload && target.wsUpload) {
    const wssUp = leg(true, 'up', target.wssUpload);
    const wsUp = leg(false, 'up', target.wsUpload);
    all.push(wssUp, wsUp);
    diagnosis.push({ id: 'upload', suspect: strip(wssUp), reference: strip(wsUp) });
  }
  return {
    screening: [{ id: 'screen', suspect: strip(wssDown), reference: strip(wsDown) }],
    diagnosis,
    urls: new Map(all.map((l) => [l.id, l.url])),
  };
}

function strip(l: Ndt7Leg): LegSpec {
  return { id: l.id, scheme: l.scheme, port: l.port, direction: l.direction, payload: l.payload };
}
