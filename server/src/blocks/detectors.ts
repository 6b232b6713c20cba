/**
 * Streaming detectors over the live print pipeline: equity blocks, sweeps (equity and options), intraday
 * and cumulative-day volume spikes, unusual option volume and price/flow divergence. One object holds
 * all state in Maps keyed by symbol or contract; per print it does a Map lookup and a few numeric updates
 * and allocates only when it has an event to report, so it keeps up with the whole tape on one core
 * (test/bench/detectors.bench.ts). Events carry the inputs that made them, for the alert rules. Each
 * detector's state and rule is in detectors/; this class routes prints to them and keeps the clock.
 */
import type { EnrichedPrint } from "../darkpool/print";
import { etOffsetHoursAt } from "../lib/et-time";
import { type BlocksParams, DEFAULT_BLOCKS_PARAMS } from "./blocks.params";
import { blockIsAlertable, toBlockTrade } from "./blocks.signals";
import { DivergenceWindow } from "./detectors/divergence";
import {
  DAY_MS,
  type DetectorEvent,
  type Emit,
  type EquityBaseline,
  type OptionBaseline,
} from "./detectors/events";
import { closeEquitySweep, closeOptionSweep, SweepCluster } from "./detectors/sweeps";
import { addOptionVolume, ContractState, type ContractTerms } from "./detectors/unusual-options";
import { addVolume, type LocalTime, VolumeState } from "./detectors/volume-spikes";
import type { OptionPrint } from "./options.parse";

export type {
  DetectorEvent,
  EquityBaseline,
  EquityVolumeSpike,
  OptionBaseline,
  SweepEvent,
} from "./detectors/events";

const HOUR_MS = 3_600_000;

class EquityState {
  readonly sweep = new SweepCluster();
  readonly volume = new VolumeState();
  readonly divergence = new DivergenceWindow();
  constructor(readonly symbol: string) {}
}

/**
 * All streaming detectors. Feed prints in time order per symbol with `onEquityPrint` / `onOptionPrint`;
 * call `tick(nowMs)` every few ms (the pipeline's batch timer) so that sweeps and divergence windows close
 * even when a symbol goes quiet. Events go to `emit` synchronously.
 */
export class Detectors {
  private readonly equities = new Map<string, EquityState>();
  private readonly contracts = new Map<string, ContractState>();
  private readonly pendingEquitySweeps = new Set<EquityState>();
  private readonly pendingOptionSweeps = new Set<ContractState>();
  private readonly openDivergence = new Set<EquityState>();
  private offsetDay = -1;
  private offsetMs = 0;
  /** Reused for every print (no allocation per print). */
  private readonly at: LocalTime = { dayIndex: 0, bucket: 0, offsetMs: 0 };

  constructor(
    private readonly emit: Emit,
    readonly params: BlocksParams = DEFAULT_BLOCKS_PARAMS,
  ) {}

  setEquityBaseline(symbol: string, baseline: EquityBaseline): void {
    this.equity(symbol).volume.setBaseline(baseline);
  }

  setOptionBaseline(contract: ContractTerms & { contract: string }, baseline: OptionBaseline): void {
    this.contractState(contract.contract, contract).baseline = baseline;
  }

  private equity(symbol: string): EquityState {
    let s = this.equities.get(symbol);
    if (s === undefined) {
      s = new EquityState(symbol);
      this.equities.set(symbol, s);
    }
    return s;
  }

  private contractState(key: string, p: ContractTerms): ContractState {
    let s = this.contracts.get(key);
    if (s === undefined) {
      s = new ContractState(key, {
        underlying: p.underlying,
        right: p.right,
        expiry: p.expiry,
        strikeUsd: p.strikeUsd,
      });
      this.contracts.set(key, s);
    }
    return s;
  }

  /** ET time of an instant as ms since the epoch in New York wall time. */
  private etTime(tsMs: number): number {
    const utcDay = Math.floor(tsMs / DAY_MS);
    if (utcDay !== this.offsetDay) {
      // One offset per UTC day (taken at 12:00 UTC = 07:00/08:00 ET): DST changes at 02:00 ET, so only
      // prints between 00:00 and 02:00 ET on a change day land an hour off (docs/blocks.md).
      this.offsetDay = utcDay;
      this.offsetMs = etOffsetHoursAt(utcDay * DAY_MS + DAY_MS / 2) * HOUR_MS;
    }
    return tsMs + this.offsetMs;
  }

  onEquityPrint(p: EnrichedPrint): void {
    if (p.correction >= 7) return;
    const params = this.params;
    const tsMs = p.ts.getTime();
    const s = this.equity(p.symbol);

    const localMs = this.etTime(tsMs);
    const at = this.at;
    at.dayIndex = Math.floor(localMs / DAY_MS);
    at.bucket = Math.floor((localMs - at.dayIndex * DAY_MS) / params.volumeBucketMs);
    at.offsetMs = this.offsetMs;
    const volumeRatio = addVolume(s.volume, p.symbol, p.sizeShares, tsMs, at, params, this.emit);

    // Blocks.
    let blockSentiment = 0;
    if (p.valueUsd >= params.blockTrackedMinUsd) {
      const block = toBlockTrade(p, params, volumeRatio);
      if (block !== null) {
        const alertable = blockIsAlertable(block, params);
        if (block.trade_type === "block" || block.trade_type === "sweep")
          blockSentiment = p.sentiment === "bullish" ? 1 : p.sentiment === "bearish" ? -1 : 0;
        this.emit({ kind: "block", symbol: p.symbol, tsMs, alertable, block });
      }
    }

    // Sweeps across lit venues (TRF prints are reports of off-exchange fills, not routed orders).
    if (!p.isOffExchange && p.blockEligible) {
      const code = p.exchange.charCodeAt(0) - 65;
      if (code >= 0 && code < 26) {
        if (s.sweep.pending && tsMs - s.sweep.lastMs > params.sweepWindowMs) {
          this.pendingEquitySweeps.delete(s);
          this.report(closeEquitySweep(s.sweep, s.symbol, params));
        }
        s.sweep.add(tsMs, 1 << code, p.sizeShares, p.valueUsd, p.price, p.isIso);
        if (s.sweep.pending) this.pendingEquitySweeps.add(s);
      }
    }

    // Divergence window: price from eligible on-time prints, flow from off-exchange and block prints.
    const w = s.divergence;
    if (w.startMs < 0 || tsMs - w.startMs >= params.divergenceWindowMs) {
      if (w.startMs >= 0) this.report(w.close(s.symbol, params));
      w.startMs = tsMs - (tsMs % params.divergenceWindowMs);
      this.openDivergence.add(s);
    }
    w.addEquity(p, blockSentiment);
  }

  onOptionPrint(p: OptionPrint): void {
    if (p.isCancel) return;
    const params = this.params;
    const tsMs = p.ts.getTime();
    const c = this.contractState(p.contract, p);
    const dayIndex = Math.floor(this.etTime(tsMs) / DAY_MS);
    this.report(addOptionVolume(c, p, tsMs, dayIndex, params));
    if (p.isMultiLeg) return;
    const bit = p.exchangeId - 300;
    if (bit >= 0 && bit < 31) {
      if (c.sweep.pending && tsMs - c.sweep.lastMs > params.sweepWindowMs) {
        this.pendingOptionSweeps.delete(c);
        this.closeOptionSweep(c);
      }
      c.sweep.add(tsMs, 1 << bit, p.sizeContracts, p.premiumUsd, p.price, p.isIso);
      if (c.sweep.pending) this.pendingOptionSweeps.add(c);
    }
    const u = this.equities.get(p.underlying);
    if (u !== undefined && u.divergence.startMs >= 0)
      u.divergence.addOptionPremium(p.sentiment, p.premiumUsd);
  }

  /** Closes sweeps older than the sweep window and divergence windows that have ended by `nowMs`. */
  tick(nowMs: number): void {
    const windowMs = this.params.sweepWindowMs;
    for (const s of this.pendingEquitySweeps) {
      if (nowMs - s.sweep.lastMs > windowMs) {
        this.pendingEquitySweeps.delete(s);
        this.report(closeEquitySweep(s.sweep, s.symbol, this.params));
      }
    }
    for (const c of this.pendingOptionSweeps) {
      if (nowMs - c.sweep.lastMs > windowMs) {
        this.pendingOptionSweeps.delete(c);
        this.closeOptionSweep(c);
      }
    }
    for (const s of this.openDivergence) {
      if (nowMs - s.divergence.startMs >= this.params.divergenceWindowMs) {
        this.openDivergence.delete(s);
        this.report(s.divergence.close(s.symbol, this.params));
        s.divergence.startMs = -1;
      }
    }
  }

  /** Closes everything open (end of a replay or file). */
  flush(): void {
    this.tick(Number.POSITIVE_INFINITY);
  }

  private closeOptionSweep(c: ContractState): void {
    const terms = { contract: c.contract, underlying: c.print.underlying, right: c.print.right };
    this.report(closeOptionSweep(c.sweep, terms, c.volumeRatio(), this.params));
  }

  private report(event: DetectorEvent | null): void {
    if (event !== null) this.emit(event);
  }
}
