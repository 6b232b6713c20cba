/**
 * Unusual option volume: a contract's volume on the New York day against its trailing average and open
 * interest (the same `unusualOption` signal as the options route), reported once per contract and day.
 */
import type { BlocksParams } from "../blocks.params";
import { unusualOption } from "../blocks.signals";
import type { OptionPrint } from "../options.parse";
import { DAY_MS, type DetectorEvent, type OptionBaseline } from "./events";
import { SweepCluster } from "./sweeps";

export type ContractTerms = Pick<OptionPrint, "underlying" | "right" | "expiry" | "strikeUsd">;

export class ContractState {
  readonly sweep = new SweepCluster();
  dayIndex = -1;
  volume = 0;
  premiumUsd = 0;
  unusualFired = false;
  baseline: OptionBaseline | null = null;
  constructor(
    readonly contract: string,
    readonly print: ContractTerms,
  ) {}

  /** Today's volume against the trailing average, when known. */
  volumeRatio(): number | null {
    const avg = this.baseline?.averageVolumeContracts ?? null;
    return avg !== null && avg > 0 ? this.volume / avg : null;
  }
}

/** Adds a print to its contract's day; the unusual-volume event the first time the day qualifies. */
export function addOptionVolume(
  c: ContractState,
  p: OptionPrint,
  tsMs: number,
  dayIndex: number,
  params: BlocksParams,
): DetectorEvent | null {
  if (dayIndex !== c.dayIndex) {
    c.dayIndex = dayIndex;
    c.volume = 0;
    c.premiumUsd = 0;
    c.unusualFired = false;
  }
  c.volume += p.sizeContracts;
  c.premiumUsd += p.premiumUsd;
  if (c.unusualFired || c.volume < params.optionsMinContracts || c.baseline === null) return null;
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
  if (!result.is_unusual) return null;
  c.unusualFired = true;
  return {
    kind: "options_volume_spike",
    symbol: p.underlying,
    tsMs,
    day: new Date(dayIndex * DAY_MS).toISOString().slice(0, 10),
    unusual: { ...result, ...c.print },
  };
}
