// Access tokens as M-Lab's servers check them: the locate service hands out URLs carrying
// `access_token=...`, and the ndt7 server refuses a test whose token is missing, unknown or
// expired (m-lab/locate USAGE.md: "An invalid access token will always be rejected").
// Ours are random strings with an expiry, kept in memory: the locate server and the ndt7
// server share one store.
import { randomBytes } from 'node:crypto';

export type TokenCheck = 'ok' | 'missing' | 'unknown' | 'expired';

export class TokenStore {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A token valid for `ttlMs` (M-Lab's last about a minute, enough for a run's connections). */
  issue(ttlMs: number): string {
    const token = randomBytes(18).toString('base64url');
    this.expiries.set(token, this.now() + ttlMs);
    return token;
  }

  check(token: string | null | undefined): TokenCheck {
    if (!token) return 'missing';
    const exp = this.expiries.get(token);
    if (exp === undefined) return 'unknown';
    return this.now() >= exp ? 'expired' : 'ok';
  }

  /** Ends every token now (a test's "tokens expired mid-run"). */
  expireAll(): void {
    for (const k of this.expiries.keys()) this.expiries.set(k, 0);
  }
}
