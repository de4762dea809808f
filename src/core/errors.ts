// Errors that carry their numbers, so the user reads "download of 4000000 bytes stalled after
// 30000 ms at 812 kB", never a bare exception (docs/architecture.md, convention 8).

export type MeasureErrorKind =
  | 'stalled'
  | 'timeout'
  | 'http-status'
  | 'redirect'
  | 'short-body'
  | 'dropped'
  | 'not-plaintext'
  /**
   * The TLS leg left TCP: the browser fetched it over HTTP/3 (QUIC on UDP), so the run would
   * compare transports, not encryption.
   */
  | 'not-tcp'
  | 'unreachable'
  | 'aborted'
  | 'bad-endpoint'
  /** A server answered a Range request with the whole file (HTTP 200 instead of 206). */
  | 'range-ignored'
  /** A public mirror that cannot serve this test (redirect, no Range, different files). */
  | 'not-usable'
  /** A server asked us to come back later (HTTP 429 or 503, RFC 9110 sec. 10.2.3 Retry-After). */
  | 'busy';

export class MeasureError extends Error {
  constructor(
    readonly kind: MeasureErrorKind,
    message: string,
    /** The Retry-After header of a 'busy' answer, as the server sent it. */
    readonly retryAfter?: string,
  ) {
    super(message);
    this.name = 'MeasureError';
  }
}

/**
 * The plaintext path changed what it carried (a redirect, an error page, altered bytes, a
 * proxy's headers): the run's verdict is `interfered`, never a throttling finding.
 */
export class Interference extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interference';
  }
}

export function kB(bytes: number): string {
  return `${Math.round(bytes / 1000)} kB`;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
