// The legs and pairs of a run by server name: from the same server and port, TLS whose
// ClientHello names the server name under test, TLS naming a control name, and plaintext as in
// every run. The 'sni' pair asks whether the name is slowed beyond what TLS itself is; the
// screening pair (control TLS against plaintext) is the usual question, so that TLS throttled
// whatever the name is still said as such.
import { legId, type PairSpec, type Plan } from '../plan.js';
import type { LegSpec } from '../types.js';

function tlsLeg(port: number, role: 'name' | 'control'): LegSpec {
  return { id: `${legId('https', port, 'down', 'random')}-sni-${role}`, scheme: 'https', port, direction: 'down', payload: 'random', sni: role };
}

export function sniPlan(tlsPort: number, plainPort: number): Plan {
  const control = tlsLeg(tlsPort, 'control');
  const named = tlsLeg(tlsPort, 'name');
  const plain: LegSpec = { id: legId('http', plainPort, 'down', 'random'), scheme: 'http', port: plainPort, direction: 'down', payload: 'random' };
  // The control and plaintext legs come first in every round and are sized first, so that a
  // name whose connections fail is seen failing where the control did not (sni-driver.ts).
  const screening: PairSpec[] = [
    { id: 'screen', suspect: control, reference: plain },
    { id: 'sni', suspect: named, reference: control },
  ];
  // A run by name asks about the name only: no references, uploads or port swap.
  return { screening, references: [], diagnosis: [], followUp: [], uploadFollowUp: [] };
}
