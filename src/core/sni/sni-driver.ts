// The driver of a run by server name: the HTTP driver's transfers, sizes and plaintext checks
// (../engine/http-driver.ts) over three legs (sni-plan.ts), each TLS leg on a connection whose
// ClientHello names its own server name. The engine runs one leg at a time (engine.ts runRound,
// prepare), so the leg in progress picks which connection an https request takes.
import { Interference, MeasureError, type MeasureErrorKind } from '../errors.js';
import { HttpDriver } from '../engine/http-driver.js';
import type { Driver, DriverContext, LegGuard, Measured } from '../engine/driver.js';
import type { Decision, DecisionInput } from '../decision.js';
import type { Target } from '../endpoint.js';
import type { FetchLike } from '../io.js';
import type { Plan } from '../plan.js';
import type { TransferDeps } from '../transfer.js';
import type { LegSpec } from '../types.js';
import { decideSni } from './sni-decision.js';
import { sniPlan } from './sni-plan.js';

export interface SniNames {
  name: string;
  controlName: string;
}

/** Each TLS leg's connection: the endpoint's pinned certificate, and this server name sent. */
export interface SniFetches {
  name: FetchLike;
  control: FetchLike;
}

/**
 * What a box that blocks a name by its ClientHello leaves a transfer with: a reset, a
 * handshake that never ends, a body cut off or stopped.
 */
const BLOCKING_KINDS: ReadonlySet<MeasureErrorKind> = new Set(['stalled', 'timeout', 'dropped', 'unreachable', 'short-body']);

export class SniDriver implements Driver {
  readonly plan: Plan;
  private readonly inner: HttpDriver;
  private current: LegSpec | undefined;
  /** Transfers the control leg completed: the server answered TLS under another name. */
  private controlTransfers = 0;

  constructor(
    deps: TransferDeps,
    target: Target & { mode: 'endpoint' },
    url: string,
    seed: number,
    private readonly names: SniNames,
    fetches: SniFetches,
    /** True once the run's own time limit has passed: a failure then is not the network's. */
    private readonly expired: () => boolean = () => false,
  ) {
    this.plan = sniPlan(target.tlsPort, target.plainPort);
    const fetch: FetchLike = (reqUrl, init) => {
      const role = this.current?.sni;
      if (!role || !reqUrl.startsWith('https:')) return deps.fetch(reqUrl, init);
      return fetches[role](reqUrl, init);
    };
    this.inner = new HttpDriver({ ...deps, fetch }, target, url, seed);
  }

  get maxRounds(): number {
    return this.inner.maxRounds;
  }
  get flowsMayGrow(): boolean {
    return this.inner.flowsMayGrow;
  }
  get endpointTlsMbps(): number | undefined {
    return this.inner.endpointTlsMbps;
  }
  endpoint(): string {
    return this.inner.endpoint();
  }

  async prepare(fresh: LegSpec[], active: LegSpec[], ctx: DriverContext, guard: LegGuard): Promise<void> {
    await this.inner.prepare(fresh, active, ctx, (spec, work) => guard(spec, () => this.asLeg(spec, work)));
  }

  roundCost(legs: LegSpec[]): { bytes: number; ms: number } {
    return this.inner.roundCost(legs);
  }

  measure(spec: LegSpec, round: number, ctx: DriverContext): Promise<Measured> {
    return this.asLeg(spec, () => this.inner.measure(spec, round, ctx));
  }

  lengthenFlow(spec: LegSpec, bytesPerTransfer: number): boolean {
    return this.inner.lengthenFlow(spec, bytesPerTransfer);
  }

  keepsRoundsOn(): boolean {
    return false;
  }

  decide(input: DecisionInput): Decision {
    return decideSni(input);
  }

  /**
   * One leg's work on its own connection. The named leg failing the way a blocking box makes
   * it fail, where the same server answered under the control name, is interference with the
   * name, never a failed run or "no difference": the Result says what was seen.
   */
  private async asLeg<T>(spec: LegSpec, work: () => Promise<T>): Promise<T> {
    this.current = spec;
    try {
      const out = await work();
      if (spec.sni === 'control') this.controlTransfers++;
      return out;
    } catch (err) {
      if (spec.sni === 'name' && this.controlTransfers > 0 && !this.expired() && err instanceof MeasureError && BLOCKING_KINDS.has(err.kind)) {
        throw new Interference(
          `connections naming ${this.names.name} failed (${err.message}) while the same server and port answered under the control name ${this.names.controlName}: ` +
            'something on the path blocks or resets connections by this server name',
        );
      }
      throw err;
    } finally {
      this.current = undefined;
    }
  }
}
