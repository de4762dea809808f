// The network a result was measured from (its ASN, name and country), for the shared card. The
// endpoint's /info may one day tell a client this, looked up at the endpoint from the
// connection's address with the collector's IP tables and never stored (docs/architecture.md,
// "Anonymous reports"); until a result carries `clientNetwork`, the card leaves the line out.
// Read loosely, like the M-Lab fields in popup/mlab-scope.ts: history is validated as a loose
// object, and a malformed value is ignored rather than shown.
import type { HistoryEntry } from './storage-schema.js';

export interface ClientNetwork {
  asn?: number;
  name?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
}

export function clientNetwork(entry: HistoryEntry): ClientNetwork | undefined {
  const raw = (entry.result as { clientNetwork?: unknown }).clientNetwork;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const out: ClientNetwork = {};
  if (typeof r.asn === 'number' && Number.isInteger(r.asn) && r.asn > 0) out.asn = r.asn;
  if (typeof r.name === 'string' && r.name.trim()) out.name = r.name.trim().slice(0, 80);
  if (typeof r.country === 'string' && /^[A-Z]{2}$/.test(r.country)) out.country = r.country;
  return out.asn !== undefined || out.name !== undefined ? out : undefined;
}

/** "AS3320 Deutsche Telekom (DE)". */
export function networkLabel(n: ClientNetwork): string {
  const parts = [n.asn !== undefined ? `AS${n.asn}` : undefined, n.name].filter(Boolean).join(' ');
  return n.country ? `${parts} (${n.country})` : parts;
}
