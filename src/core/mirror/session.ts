// One run's transfers against a checked mirror (check.ts): what the HTTP driver calls in place
// of a download from an endpoint of ours. Every transfer is a fresh byte range (range.ts); every
// plaintext range is compared with the same bytes over TLS (verify.ts): as the round's TLS leg
// arrives, and for what it did not cover, by verifyPending when the round ends.
import { MeasureError } from '../errors.js';
import type { ResponseLike } from '../io.js';
import { mirrorUrl, type MirrorTarget } from '../endpoint.js';
import { timedDownload, type TransferDeps, type TransferSample } from '../transfer.js';
import { RangeCursor, checkContentRange, rangeBytes, rangeHeader, type ByteRange } from './range.js';
import { RangeVerifier, classifyPlainFailure, compareTraits, differenceOutcome, traitsOf, type ResponseTraits } from './verify.js';

export interface MirrorTransferRequest {
  scheme: 'http' | 'https';
  port: number;
  /** What the sizer asks for; the range is rounded up to whole blocks. */
  bytes: number;
  /** The round (ramp transfers: -1); both schemes of a round read from the same offset. */
  round: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number, elapsedMs: number) => void;
  /** The leg's flow (io.ts RequestOptions.flow): its connection carries only the leg's ranges. */
  flow?: string;
  /** The flow's connection ends after this range (io.ts RequestOptions.closeConnection). */
  closeConnection?: boolean;
}

export type MirrorTransfer =
  | {
      outcome: 'sample';
      sample: TransferSample;
      range: ByteRange;
    }
  | {
      /** No sample: `interfered` is a verdict; `not-usable` and `busy` send the run elsewhere. */
      outcome: 'interfered' | 'not-usable' | 'busy';
      reason: string;
      retryAfter?: string;
      /** Bytes spent before the refusal, for the budget. */
      bytesUsed: number;
    };

/** A transfer that gave no sample. */
export type MirrorRefusal = Exclude<MirrorTransfer, { outcome: 'sample' }>;

export interface MirrorSessionDeps extends TransferDeps {
  /** Extra request headers (the CLI's User-Agent). */
  headers?: Record<string, string>;
  random: () => number;
}

/**
 * Starts at a random block of the file: two runs against the same mirror read different
 * bytes, so not even a cache kept between runs answers twice.
 */
export class MirrorSession {
  private readonly cursor: RangeCursor;
  private readonly verifier: RangeVerifier;
  private lastTlsTraits: ResponseTraits | undefined;

  constructor(
    private readonly deps: MirrorSessionDeps,
    readonly target: MirrorTarget,
  ) {
    this.cursor = new RangeCursor(target.fileBytes, Math.floor(deps.random() * target.fileBytes));
    this.verifier = new RangeVerifier(target.fileBytes, deps.hasher);
  }

  /** Plaintext blocks compared with TLS so far (for the Result's account of the checks). */
  get verifiedBlocks(): number {
    return this.verifier.verifiedBlocks;
  }

  async transfer(req: MirrorTransferRequest): Promise<MirrorTransfer> {
    const range = this.cursor.forRound(req.round, req.scheme, req.bytes);
    let traits: ResponseTraits | undefined;
    let body: Uint8Array | undefined;
    let sample: TransferSample;
    try {
      sample = await this.fetchRange(req.scheme, req.port, range, req.signal, req.onBytes, (res) => {
        traits = traitsOf(res);
      }, (b) => {
        // The transfer's buffer is its own: keep it for the comparison after the timed window.
        body = b;
      }, { ...(req.flow ? { flow: req.flow } : {}), ...(req.closeConnection ? { closeConnection: true } : {}) });
    } catch (err) {
      if (req.scheme === 'https') {
        if (err instanceof MeasureError && err.kind === 'busy') return this.busy(err, 0);
        if (err instanceof MeasureError && (err.kind === 'range-ignored' || err.kind === 'not-usable' || err.kind === 'redirect' || err.kind === 'http-status')) {
          return { outcome: 'not-usable', reason: err.message, bytesUsed: 0 };
        }
        throw err;
      }
      const meaning = classifyPlainFailure(err);
      if (!meaning || meaning.kind === 'ok') throw err;
      if (meaning.kind === 'busy') return this.busy(err as MeasureError, 0);
      return { outcome: meaning.kind, reason: meaning.reason, bytesUsed: 0 };
    }
    if (req.scheme === 'https') {
      this.lastTlsTraits = traits;
      const found = differenceOutcome(this.verifier.addTls(range, body!));
      if (found.kind !== 'ok') return { outcome: found.kind, reason: found.reason, bytesUsed: sample.bytes };
      return { outcome: 'sample', sample, range };
    }
    if (traits) {
      const vsTls = compareTraits(traits, this.lastTlsTraits ?? this.checkedTraits());
      if (vsTls.kind !== 'ok') return { outcome: vsTls.kind, reason: vsTls.reason, bytesUsed: sample.bytes };
    }
    // Blocks the TLS leg has carried are compared now; the rest wait for this round's TLS leg
    // or, at the latest, for verifyPending at the round's end.
    const found = differenceOutcome(this.verifier.addPlain(range, body!).differing);
    if (found.kind !== 'ok') return { outcome: found.kind, reason: found.reason, bytesUsed: sample.bytes };
    return { outcome: 'sample', sample, range };
  }

  /**
   * Fetches over TLS (unmeasured) the plaintext blocks no TLS transfer has carried, and
   * compares them: the engine calls it when a round ends, so no plaintext sample of a finished
   * round counts unverified. `verifyBytes` are for the budget.
   */
  async verifyPending(signal?: AbortSignal): Promise<{ outcome: 'verified'; verifyBytes: number } | MirrorRefusal> {
    let verifyBytes = 0;
    for (const gap of this.verifier.pendingRanges()) {
      let gapBody: Uint8Array | undefined;
      try {
        await this.fetchRange('https', this.target.tlsPort, gap, signal, undefined, undefined, (b) => {
          gapBody = b;
        });
      } catch (err) {
        if (err instanceof MeasureError && err.kind === 'busy') return this.busy(err, verifyBytes);
        if (err instanceof MeasureError && (err.kind === 'range-ignored' || err.kind === 'not-usable' || err.kind === 'redirect' || err.kind === 'http-status')) {
          return { outcome: 'not-usable', reason: err.message, bytesUsed: verifyBytes };
        }
        throw err;
      }
      verifyBytes += rangeBytes(gap);
      const found = differenceOutcome(this.verifier.addTls(gap, gapBody!));
      if (found.kind !== 'ok') return { outcome: found.kind, reason: found.reason, bytesUsed: verifyBytes };
    }
    return { outcome: 'verified', verifyBytes };
  }

  private busy(err: MeasureError, bytesUsed: number): MirrorRefusal {
    return { outcome: 'busy', reason: err.message, bytesUsed, ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}) };
  }

  /** Before the first TLS range, the validators the check saw stand for the TLS side. */
  private checkedTraits(): ResponseTraits {
    return {
      status: 206,
      cacheHeaders: {},
      ...(this.target.etag ? { etag: this.target.etag } : {}),
      ...(this.target.lastModified ? { lastModified: this.target.lastModified } : {}),
    };
  }

  private fetchRange(
    scheme: 'http' | 'https',
    port: number,
    range: ByteRange,
    signal: AbortSignal | undefined,
    onBytes: ((bytes: number, elapsedMs: number) => void) | undefined,
    onTraits: ((res: ResponseLike) => void) | undefined,
    onBody: (body: Uint8Array) => void,
    /** A leg's own flow; the gap checks of verifyPending ride no leg's connection. */
    flow: { flow?: string; closeConnection?: boolean } = {},
  ): Promise<TransferSample> {
    const url = mirrorUrl(this.target, scheme, port);
    return timedDownload(this.deps, {
      ...flow,
      url,
      scheme,
      expectBytes: rangeBytes(range),
      headers: { ...this.deps.headers, range: rangeHeader(range) },
      expectStatus: 206,
      signal,
      ...(onBytes ? { onBytes } : {}),
      onResponse: (res) => {
        checkContentRange(res, range, this.target.fileBytes, url);
        onTraits?.(res);
      },
      onBody,
    });
  }
}
