/**
 * Streaming detectors over the live print pipeline: equity blocks, sweeps (equity and options), intraday
 * and cumulative-day volume spikes, unusual option volume and price/flow divergence. One object holds
 * all state in Maps keyed by symbol or contract; per print it does a Map lookup and a few numeric updates
 * and allocates only when it has an event to report, so it keeps up with the whole tape on one core
 * (test/bench/detectors.bench.ts). Events carry the inputs that made them, for the alert rules.
 */
import type { EnrichedPrint } from "../darkpool/print";
import { type BlocksParams, DEFAULT_BLOCKS_PARAMS } from "./blocks.params";
import {
  type BlockTrade,
  blockIsAlertable,
  type DivergenceResult,
  priceFlowDivergence,
  toBlockTrade,
  type UnusualOptionsResult,
  unusualOption,
} from "./blocks.signals";
import type { OptionPrint } from "./options.parse";

export interface SweepEvent {
  symbol: string;
  /** Option contract (unpadded OSI) for option sweeps, `null` for equity sweeps. */
  contract: string | null;
  isOption: boolean;
  startTs: string;
  endTs: string;
  fills: number;
  venues: string[];
  /** Shares for equities, contracts for options. */
  size: number;
  /** Value for equities, premium for options. */
  valueUsd: number;
  firstPrice: number;
  lastPrice: number;
  /** At least one fill carried the intermarket sweep (ISO) condition. */
  iso: boolean;
  /** Options: today's volume of the contract / its trailing average, when known. */
  volumeRatio: number | null;
  right: "call" | "put" | null;
  windowMs: number;
}

export interface EquityVolumeSpike {
  symbol: string;
  /** `intraday`: one time-of-day bucket; `daily`: the day so far against the average to the same time. */
  scope: "intraday" | "daily";
  day: string;
  bucketStart: string;
  bucketMs: number;
  volume: number;
  average_volume: number;
  volume_ratio: number;
  history_days: number;
  threshold_ratio: number;
}

export type DetectorEvent =
  | { kind: "block"; symbol: string; tsMs: number; alertable: boolean; block: BlockTrade }
  | { kind: "sweep"; symbol: string; tsMs: number; sweep: SweepEvent }
  | { kind: "equity_volume_spike"; symbol: string; tsMs: number; spike: EquityVolumeSpike }
  | {
      kind: "options_volume_spike";
      symbol: string;
      tsMs: number;
      day: string;
      unusual: UnusualOptionsResult & {
        underlying: string;
        right: "call" | "put";
        expiry: string;
        strikeUsd: number;
      };
    }
  | { kind: "price_flow_divergence"; symbol: string; tsMs: number; divergence: DivergenceResult };

/** Same-time-of-day volume history of one symbol (from stored prints or bars). */
export interface EquityBaseline {
  /** Mean shares per `volumeBucketMs` bucket of the ET day, over `historyDays` trailing days. */
  bucketAverageShares: Float64Array;
  historyDays: number;
}

export interface OptionBaseline {
  averageVolumeContracts: number | null;
  openInterestContracts: number | null;
}

const DAY_MS = 86_400_000;
const etFormatter = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Offset of New York from UTC (ms, negative) at a moment; DST per the tz database. */
export function newYorkOffsetMs(utcMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of etFormatter.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

class SweepCluster {
  startMs = Number.NEGATIVE_INFINITY;
  lastMs = 0;
  venueMask = 0;
  fills = 0;
  size = 0;
  valueUsd = 0;
  firstPrice = 0;
  lastPrice = 0;
  iso = false;
  pending = false;
}

function venuesOf(mask: number, isOption: boolean): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 31; bit++) {
    if ((mask & (1 << bit)) === 0) continue;
    out.push(isOption ? String(300 + bit) : String.fromCharCode(65 + bit));
  }
  return out;
}

function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

class EquityState {
  readonly sweep = new SweepCluster();
  // Volume, per ET day.
  dayIndex = -1;
  bucket = -1;
  bucketShares = 0;
  dayShares = 0;
  intradaySpikeBucket = -1;
  dailySpikeFired = false;
  baseline: EquityBaseline | null = null;
  cumulativeBaseline: Float64Array | null = null;
  // Divergence, tumbling windows.
  windowStartMs = -1;
  firstPrice = 0;
  lastPrice = 0;
  pricePrints = 0;
  darkBull = 0;
  darkBear = 0;
  blockBull = 0;
  blockBear = 0;
  optBull = 0;
  optBear = 0;
  constructor(readonly symbol: string) {}
}

class ContractState {
  readonly sweep = new SweepCluster();
  dayIndex = -1;
  volume = 0;
  premiumUsd = 0;
  unusualFired = false;
  baseline: OptionBaseline | null = null;
  constructor(
    readonly contract: string,
    readonly print: Pick<OptionPrint, "underlying" | "right" | "expiry" | "strikeUsd">,
  ) {}
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

  constructor(
    private readonly emit: (event: DetectorEvent) => void,
    readonly params: BlocksParams = DEFAULT_BLOCKS_PARAMS,
  ) {}

  setEquityBaseline(symbol: string, baseline: EquityBaseline): void {
    const s = this.equity(symbol);
    s.baseline = baseline;
    const cum = new Float64Array(baseline.bucketAverageShares.length);
    let total = 0;
    for (let i = 0; i < cum.length; i++) {
      total += baseline.bucketAverageShares[i] ?? 0;
      cum[i] = total;
    }
    s.cumulativeBaseline = cum;
  }

  setOptionBaseline(
    contract:
      | OptionPrint
      | { contract: string; underlying: string; right: "call" | "put"; expiry: string; strikeUsd: number },
    baseline: OptionBaseline,
  ): void {
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

  private contractState(key: string, p: ContractState["print"]): ContractState {
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

  /** ET day index (days since epoch in New York time) and ms since ET midnight. */
  private etDayAndTime(tsMs: number): number {
    const utcDay = Math.floor(tsMs / DAY_MS);
    if (utcDay !== this.offsetDay) {
      // One offset per UTC day (taken at 12:00 UTC = 07:00/08:00 ET): DST changes at 02:00 ET, so only
      // prints between 00:00 and 02:00 ET on a change day land an hour off (docs/blocks.md).
      this.offsetDay = utcDay;
      this.offsetMs = newYorkOffsetMs(utcDay * DAY_MS + DAY_MS / 2);
    }
    return tsMs + this.offsetMs;
  }

  onEquityPrint(p: EnrichedPrint): void {
    if (p.correction >= 7) return;
    const params = this.params;
    const tsMs = p.ts.getTime();
    const s = this.equity(p.symbol);

    // Volume spikes: time-of-day bucket and day so far.
    const localMs = this.etDayAndTime(tsMs);
    const dayIndex = Math.floor(localMs / DAY_MS);
    const bucket = Math.floor((localMs - dayIndex * DAY_MS) / params.volumeBucketMs);
    if (dayIndex !== s.dayIndex) {
      s.dayIndex = dayIndex;
      s.dayShares = 0;
      s.bucket = bucket;
      s.bucketShares = 0;
      s.intradaySpikeBucket = -1;
      s.dailySpikeFired = false;
    } else if (bucket !== s.bucket) {
      s.bucket = bucket;
      s.bucketShares = 0;
    }
    s.bucketShares += p.sizeShares;
    s.dayShares += p.sizeShares;
    let volumeRatio: number | null = null;
    const base = s.baseline;
    if (base !== null && base.historyDays >= params.volumeMinHistoryDays) {
      const avg = base.bucketAverageShares[bucket] ?? 0;
      if (avg > 0) {
        volumeRatio = s.bucketShares / avg;
        if (
          volumeRatio > params.volumeSpikeRatio &&
          s.intradaySpikeBucket !== bucket &&
          s.bucketShares >= params.volumeSpikeMinShares
        ) {
          s.intradaySpikeBucket = bucket;
          this.emitSpike(s, "intraday", tsMs, dayIndex, bucket, s.bucketShares, avg);
        }
      }
      const cum = s.cumulativeBaseline?.[bucket] ?? 0;
      if (!s.dailySpikeFired && cum > 0 && s.dayShares / cum > params.volumeSpikeRatio) {
        s.dailySpikeFired = true;
        this.emitSpike(s, "daily", tsMs, dayIndex, bucket, s.dayShares, cum);
      }
    }

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
          this.closeEquitySweep(s);
        }
        this.addFill(s.sweep, tsMs, 1 << code, p.sizeShares, p.valueUsd, p.price, p.isIso);
        if (s.sweep.pending) this.pendingEquitySweeps.add(s);
      }
    }

    // Divergence window: price from eligible on-time prints, flow from off-exchange and block prints.
    if (s.windowStartMs < 0 || tsMs - s.windowStartMs >= params.divergenceWindowMs) {
      if (s.windowStartMs >= 0) this.closeDivergence(s);
      s.windowStartMs = tsMs - (tsMs % params.divergenceWindowMs);
      this.openDivergence.add(s);
    }
    if (p.blockEligible && !p.isLate) {
      if (s.firstPrice === 0) s.firstPrice = p.price;
      s.lastPrice = p.price;
      s.pricePrints++;
    }
    if (p.isOffExchange && p.blockEligible) {
      if (p.sentiment === "bullish") s.darkBull += p.valueUsd;
      else if (p.sentiment === "bearish") s.darkBear += p.valueUsd;
    }
    if (blockSentiment > 0) s.blockBull += p.valueUsd;
    else if (blockSentiment < 0) s.blockBear += p.valueUsd;
  }

  onOptionPrint(p: OptionPrint): void {
    if (p.isCancel) return;
    const params = this.params;
    const tsMs = p.ts.getTime();
    const c = this.contractState(p.contract, p);
    const dayIndex = Math.floor(this.etDayAndTime(tsMs) / DAY_MS);
    if (dayIndex !== c.dayIndex) {
      c.dayIndex = dayIndex;
      c.volume = 0;
      c.premiumUsd = 0;
      c.unusualFired = false;
    }
    c.volume += p.sizeContracts;
    c.premiumUsd += p.premiumUsd;
    if (!c.unusualFired && c.volume >= params.optionsMinContracts && c.baseline !== null) {
      const result = unusualOption(
        {
          contract: c.contract,
          volumeContracts: c.volume,
          premiumUsd: c.premiumUsd,
          averageVolumeContracts: c.baseline.averageVolumeContracts,
          openInterestContracts: c.baseline.openInterestContracts,
        },
        params,
      );
      if (result.is_unusual) {
        c.unusualFired = true;
        this.emit({
          kind: "options_volume_spike",
          symbol: p.underlying,
          tsMs,
          day: new Date(dayIndex * DAY_MS).toISOString().slice(0, 10),
          unusual: { ...result, ...c.print },
        });
      }
    }
    if (p.isMultiLeg) return;
    const bit = p.exchangeId - 300;
    if (bit >= 0 && bit < 31) {
      if (c.sweep.pending && tsMs - c.sweep.lastMs > params.sweepWindowMs) {
        this.pendingOptionSweeps.delete(c);
        this.closeOptionSweep(c);
      }
      this.addFill(c.sweep, tsMs, 1 << bit, p.sizeContracts, p.premiumUsd, p.price, p.isIso);
      if (c.sweep.pending) this.pendingOptionSweeps.add(c);
    }
    // Options premium into the underlying's divergence window: NBBO side only. Premium without a side
    // counts for neither (a put may be bought or sold), as in options-positioning (docs/blocks.md).
    const u = this.equities.get(p.underlying);
    if (u !== undefined && u.windowStartMs >= 0) {
      if (p.sentiment === "bullish") u.optBull += p.premiumUsd;
      else if (p.sentiment === "bearish") u.optBear += p.premiumUsd;
    }
  }

  /** Closes sweeps older than the sweep window and divergence windows that have ended by `nowMs`. */
  tick(nowMs: number): void {
    const windowMs = this.params.sweepWindowMs;
    for (const s of this.pendingEquitySweeps) {
      if (nowMs - s.sweep.lastMs > windowMs) {
        this.pendingEquitySweeps.delete(s);
        this.closeEquitySweep(s);
      }
    }
    for (const c of this.pendingOptionSweeps) {
      if (nowMs - c.sweep.lastMs > windowMs) {
        this.pendingOptionSweeps.delete(c);
        this.closeOptionSweep(c);
      }
    }
    for (const s of this.openDivergence) {
      if (nowMs - s.windowStartMs >= this.params.divergenceWindowMs) {
        this.openDivergence.delete(s);
        this.closeDivergence(s);
        s.windowStartMs = -1;
      }
    }
  }

  /** Closes everything open (end of a replay or file). */
  flush(): void {
    this.tick(Number.POSITIVE_INFINITY);
  }

  private addFill(
    cl: SweepCluster,
    tsMs: number,
    venueBit: number,
    size: number,
    valueUsd: number,
    price: number,
    iso: boolean,
  ): void {
    if (!cl.pending) {
      cl.pending = true;
      cl.startMs = tsMs;
      cl.venueMask = 0;
      cl.fills = 0;
      cl.size = 0;
      cl.valueUsd = 0;
      cl.firstPrice = price;
      cl.iso = false;
    }
    cl.lastMs = tsMs;
    cl.venueMask |= venueBit;
    cl.fills++;
    cl.size += size;
    cl.valueUsd += valueUsd;
    cl.lastPrice = price;
    if (iso) cl.iso = true;
  }

  private closeEquitySweep(s: EquityState): void {
    s.sweep.pending = false;
    this.reportEquitySweep(s);
  }

  private closeOptionSweep(c: ContractState): void {
    c.sweep.pending = false;
    this.reportOptionSweep(c);
  }

  private reportEquitySweep(s: EquityState): void {
    const cl = s.sweep;
    const venues = bitCount(cl.venueMask);
    // A lone ISO print is the normal way lit orders execute; an equity sweep needs several venues.
    if (venues < this.params.sweepMinVenues || cl.valueUsd < this.params.equitySweepMinUsd) return;
    this.emit({
      kind: "sweep",
      symbol: s.symbol,
      tsMs: cl.lastMs,
      sweep: this.sweepOf(cl, s.symbol, null, false, null, null),
    });
  }

  private reportOptionSweep(c: ContractState): void {
    const cl = c.sweep;
    const venues = bitCount(cl.venueMask);
    if (!(cl.iso || venues >= this.params.sweepMinVenues)) return;
    if (cl.valueUsd < this.params.optionSweepMinPremiumUsd) return;
    const avg = c.baseline?.averageVolumeContracts ?? null;
    const ratio = avg !== null && avg > 0 ? c.volume / avg : null;
    this.emit({
      kind: "sweep",
      symbol: c.print.underlying,
      tsMs: cl.lastMs,
      sweep: this.sweepOf(cl, c.print.underlying, c.contract, true, ratio, c.print.right),
    });
  }

  private sweepOf(
    cl: SweepCluster,
    symbol: string,
    contract: string | null,
    isOption: boolean,
    volumeRatio: number | null,
    right: "call" | "put" | null,
  ): SweepEvent {
    return {
      symbol,
      contract,
      isOption,
      startTs: new Date(cl.startMs).toISOString(),
      endTs: new Date(cl.lastMs).toISOString(),
      fills: cl.fills,
      venues: venuesOf(cl.venueMask, isOption),
      size: cl.size,
      valueUsd: cl.valueUsd,
      firstPrice: cl.firstPrice,
      lastPrice: cl.lastPrice,
      iso: cl.iso,
      volumeRatio,
      right,
      windowMs: this.params.sweepWindowMs,
    };
  }

  private emitSpike(
    s: EquityState,
    scope: "intraday" | "daily",
    tsMs: number,
    dayIndex: number,
    bucket: number,
    volume: number,
    average: number,
  ): void {
    const bucketMs = this.params.volumeBucketMs;
    const bucketStartUtc = dayIndex * DAY_MS + (scope === "daily" ? 0 : bucket * bucketMs) - this.offsetMs;
    this.emit({
      kind: "equity_volume_spike",
      symbol: s.symbol,
      tsMs,
      spike: {
        symbol: s.symbol,
        scope,
        day: new Date(dayIndex * DAY_MS).toISOString().slice(0, 10),
        bucketStart: new Date(bucketStartUtc).toISOString(),
        bucketMs: scope === "daily" ? (bucket + 1) * bucketMs : bucketMs,
        volume,
        average_volume: average,
        volume_ratio: volume / average,
        history_days: s.baseline?.historyDays ?? 0,
        threshold_ratio: this.params.volumeSpikeRatio,
      },
    });
  }

  private closeDivergence(s: EquityState): void {
    const windowMs = this.params.divergenceWindowMs;
    const result = priceFlowDivergence(
      {
        symbol: s.symbol,
        windowStart: new Date(s.windowStartMs).toISOString(),
        windowEnd: new Date(s.windowStartMs + windowMs).toISOString(),
        priceChangePct: s.firstPrice > 0 ? ((s.lastPrice - s.firstPrice) / s.firstPrice) * 100 : null,
        pricePrints: s.pricePrints,
        darkPoolBullishUsd: s.darkBull,
        darkPoolBearishUsd: s.darkBear,
        blockBullishUsd: s.blockBull,
        blockBearishUsd: s.blockBear,
        optionsBullishPremiumUsd: s.optBull,
        optionsBearishPremiumUsd: s.optBear,
      },
      this.params,
    );
    s.firstPrice = 0;
    s.lastPrice = 0;
    s.pricePrints = 0;
    s.darkBull = s.darkBear = s.blockBull = s.blockBear = s.optBull = s.optBear = 0;
    if (result.is_divergent)
      this.emit({
        kind: "price_flow_divergence",
        symbol: s.symbol,
        tsMs: s.windowStartMs + windowMs,
        divergence: result,
      });
  }
}
