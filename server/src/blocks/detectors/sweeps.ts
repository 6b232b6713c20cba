/**
 * Sweep detection: fills of one symbol (equities, across lit venues) or one contract (options) no further
 * apart than the sweep window form a cluster; a closed cluster is a sweep when it reached enough venues
 * (or, for options, carried the ISO condition) and value.
 */
import type { BlocksParams } from "../blocks.params";
import type { DetectorEvent, SweepEvent } from "./events";

/** The open fill cluster of one symbol or contract. */
export class SweepCluster {
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

  add(tsMs: number, venueBit: number, size: number, valueUsd: number, price: number, iso: boolean): void {
    if (!this.pending) {
      this.pending = true;
      this.startMs = tsMs;
      this.venueMask = 0;
      this.fills = 0;
      this.size = 0;
      this.valueUsd = 0;
      this.firstPrice = price;
      this.iso = false;
    }
    this.lastMs = tsMs;
    this.venueMask |= venueBit;
    this.fills++;
    this.size += size;
    this.valueUsd += valueUsd;
    this.lastPrice = price;
    if (iso) this.iso = true;
  }
}

/** Venue codes of a mask: exchange letters for equities, OPRA participant ids (300+) for options. */
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

function sweepOf(
  cl: SweepCluster,
  symbol: string,
  contract: string | null,
  volumeRatio: number | null,
  right: "call" | "put" | null,
  params: BlocksParams,
): SweepEvent {
  const isOption = contract !== null;
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
    windowMs: params.sweepWindowMs,
  };
}

/** Closes an equity cluster; a sweep when it spans enough venues and value, else nothing. */
export function closeEquitySweep(
  cl: SweepCluster,
  symbol: string,
  params: BlocksParams,
): DetectorEvent | null {
  cl.pending = false;
  // A lone ISO print is the normal way lit orders execute; an equity sweep needs several venues.
  if (bitCount(cl.venueMask) < params.sweepMinVenues || cl.valueUsd < params.equitySweepMinUsd) return null;
  return { kind: "sweep", symbol, tsMs: cl.lastMs, sweep: sweepOf(cl, symbol, null, null, null, params) };
}

/** Closes an option cluster; a sweep when ISO or multi-venue and of enough premium, else nothing. */
export function closeOptionSweep(
  cl: SweepCluster,
  contract: { contract: string; underlying: string; right: "call" | "put" },
  volumeRatio: number | null,
  params: BlocksParams,
): DetectorEvent | null {
  cl.pending = false;
  if (!(cl.iso || bitCount(cl.venueMask) >= params.sweepMinVenues)) return null;
  if (cl.valueUsd < params.optionSweepMinPremiumUsd) return null;
  const sweep = sweepOf(cl, contract.underlying, contract.contract, volumeRatio, contract.right, params);
  return { kind: "sweep", symbol: contract.underlying, tsMs: cl.lastMs, sweep };
}
