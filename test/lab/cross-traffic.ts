// Cross traffic from another device behind the same line, run inside lab-x:
//   node --import tsx test/lab/cross-traffic.ts <host> <port> <seed>
// Bulk downloads in random on/off periods (on 0.5-3 s, off 0.5-4 s, one or two flows), so the
// measured legs share the line with a competitor that comes and goes, as on a real home line.
// Without netem this is the lab's noise; the runner's interleaved, repeated rounds are meant to
// average it out.
import { connect } from 'node:net';
import { xoshiro128 } from '../../src/core/payload.js';

const [host = '10.77.0.1', portText = '9000', seedText = '1'] = process.argv.slice(2);
const next = xoshiro128(Number(seedText));
const random = () => next() / 2 ** 32;
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function burst(ms: number): Promise<void> {
  const flows = random() < 0.3 ? 2 : 1;
  const sockets = Array.from({ length: flows }, () => {
    const s = connect({ host, port: Number(portText) });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    return s;
  });
  await sleep(ms);
  for (const s of sockets) s.destroy();
}

async function main(): Promise<void> {
  for (;;) {
    await sleep(uniform(500, 4000));
    await burst(uniform(500, 3000));
  }
}

process.on('SIGTERM', () => process.exit(0));
void main();
