// TLS cannot run faster than the slower of the line and the processors at either end. So a
// slow TLS leg is no finding if it ran near a processor's TLS capacity, or if plaintext ran at
// or past that capacity: then the line is faster than TLS can go here, and the gap may be all
// CPU (loopback tests meet this; real access lines rarely do).

/** True when a TLS leg at tlsMbps, beside plaintext at plainMbps, may be CPU-bound. */
export function cpuMayLimitTls(tlsMbps: number, plainMbps: number, capacityMbps: number): boolean {
  return capacityMbps > 0 && (tlsMbps >= 0.6 * capacityMbps || plainMbps >= 0.8 * capacityMbps);
}

export function cpuBoundWarning(tlsLabel: string, tlsMbps: number, plainLabel: string, plainMbps: number, whose: string, capacityMbps: number): string {
  return (
    `${tlsLabel} ran at ${tlsMbps.toFixed(0)} Mbit/s and ${plainLabel} at ${plainMbps.toFixed(0)} Mbit/s, ` +
    `against ${whose} own TLS capacity of ${capacityMbps.toFixed(0)} Mbit/s: a processor, not the network, may be what limits TLS`
  );
}
