import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/core/types.js';
import { decide, diagnoseCause } from '../../src/core/verdict.js';

function c(id: string, outcome: Comparison['outcome'], ratio = 1): Comparison {
  return { id, suspectLeg: `${id}-s`, referenceLeg: `${id}-r`, ratio, ci95: [ratio * 0.9, ratio * 1.1], pValue: 0.03, rounds: 6, outcome };
}

describe('decide', () => {
  it('reports TLS throttling from the screening pair, with its ratio', () => {
    const d = decide([c('screen', 'slower', 4.8)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.basis?.ratio).toBe(4.8);
    expect(d.cause).toBeUndefined();
  });

  it('says when the ratio is read from the less busy rounds only', () => {
    const d = decide([{ ...c('screen', 'slower', 1.9), rounds: 9, busyRoundsLeftOut: 8 }]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.warnings.join(' ')).toMatch(/from the 9 least busy of 17 rounds/);
    expect(decide([c('screen', 'slower', 4.8)]).warnings).toEqual([]);
    // Not yet a finding (the interval cleared the margin in the last round only): no such note.
    expect(decide([{ ...c('screen', 'unclear', 1.9), busyRoundsLeftOut: 8, pendingRound: true }]).warnings).toEqual([]);
  });

  it('reports plaintext throttling when plain traffic is the slow one', () => {
    expect(decide([c('screen', 'faster', 0.3)]).verdict).toBe('plaintext-throttled');
  });

  it('reports no difference only when the screening interval is inside the margin', () => {
    expect(decide([c('screen', 'same')]).verdict).toBe('no-difference');
    expect(decide([c('screen', 'unclear')]).verdict).toBe('inconclusive');
  });

  it('finds entropy shaping behind an equal screening pair', () => {
    const d = decide([c('screen', 'same'), c('entropy', 'slower', 5), c('tls-vs-low-entropy', 'slower', 5)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.cause).toBe('entropy');
    expect(d.basis?.id).toBe('tls-vs-low-entropy');
  });

  it('reports an upload-only difference, saying so', () => {
    const d = decide([c('screen', 'same'), c('upload', 'slower', 60)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.basis?.id).toBe('upload');
    expect(d.warnings.join()).toMatch(/uploads only/);
  });

  it('fails without a screening comparison', () => {
    expect(decide([]).verdict).toBe('failed');
  });
});

describe('diagnoseCause', () => {
  it('is undefined when no diagnosis ran', () => {
    expect(diagnoseCause({ screen: c('screen', 'slower') })).toBeUndefined();
  });

  it('names the protocol when TLS is slow on the plain port and plaintext is fine on the TLS port', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'slower'), 'port-for-plaintext': c('q', 'same') })).toBe('protocol');
  });

  it('names the port when plaintext is slow on the TLS port and TLS is fine on the plain port', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'same'), 'port-for-plaintext': c('q', 'slower') })).toBe('port');
  });

  it('names entropy when random plaintext is slower than text', () => {
    expect(diagnoseCause({ entropy: c('e', 'slower'), 'protocol-on-plain-port': c('p', 'slower') })).toBe('entropy');
  });

  it('says unknown when the diagnosis pairs disagree or are unclear', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'slower'), 'port-for-plaintext': c('q', 'slower') })).toBe('unknown');
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'unclear'), 'port-for-plaintext': c('q', 'same') })).toBe('unknown');
  });
});
