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
  | 'unreachable'
  | 'aborted'
  | 'bad-endpoint';

export class MeasureError extends Error {
  constructor(
    readonly kind: MeasureErrorKind,
    message: string,
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
