/**
 * Price/flow divergence over tumbling windows: the price move of eligible on-time prints against the net
 * flow of off-exchange prints, blocks and NBBO-sided single-leg option premium (docs/blocks.md).
 */
import type { EnrichedPrint } from "../../darkpool/print";
import type { BlocksParams } from "../blocks.params";
import { priceFlowDivergence } from "../blocks.signals";
import type { DetectorEvent } from "./events";

export class DivergenceWindow {
  startMs = -1;
  firstPrice = 0;
  lastPrice = 0;
  pricePrints = 0;
  darkBull = 0;
  darkBear = 0;
  blockBull = 0;
  blockBear = 0;
  optBull = 0;
  optBear = 0;

  /** An equity print: price if eligible and on time; flow if off-exchange or a directional block (+1/-1). */
  addEquity(p: EnrichedPrint, blockSentiment: number): void {
    if (p.blockEligible && !p.isLate) {
      if (this.firstPrice === 0) this.firstPrice = p.price;
      this.lastPrice = p.price;
      this.pricePrints++;
    }
    if (p.isOffExchange && p.blockEligible) {
      if (p.sentiment === "bullish") this.darkBull += p.valueUsd;
      else if (p.sentiment === "bearish") this.darkBear += p.valueUsd;
    }
    if (blockSentiment > 0) this.blockBull += p.valueUsd;
    else if (blockSentiment < 0) this.blockBear += p.valueUsd;
  }

  /**
   * Option premium into the underlying's window: NBBO side only. Premium without a side counts for
   * neither (a put may be bought or sold), as in options-positioning.
   */
  addOptionPremium(sentiment: string, premiumUsd: number): void {
    if (sentiment === "bullish") this.optBull += premiumUsd;
    else if (sentiment === "bearish") this.optBear += premiumUsd;
  }

  /** Scores the window and resets its sums; the event when it is divergent. */
  close(symbol: string, params: BlocksParams): DetectorEvent | null {
    const windowMs = params.divergenceWindowMs;
    const result = priceFlowDivergence(
      {
        symbol,
        windowStart: new Date(this.startMs).toISOString(),
        windowEnd: new Date(this.startMs + windowMs).toISOString(),
        priceChangePct:
          this.firstPrice > 0 ? ((this.lastPrice - this.firstPrice) / this.firstPrice) * 100 : null,
        pricePrints: this.pricePrints,
        darkPoolBullishUsd: this.darkBull,
        darkPoolBearishUsd: this.darkBear,
        blockBullishUsd: this.blockBull,
        blockBearishUsd: this.blockBear,
        optionsBullishPremiumUsd: this.optBull,
        optionsBearishPremiumUsd: this.optBear,
      },
      params,
    );
    this.firstPrice = 0;
    this.lastPrice = 0;
    this.pricePrints = 0;
    this.darkBull = this.darkBear = this.blockBull = this.blockBear = this.optBull = this.optBear = 0;
    if (!result.is_divergent) return null;
    return {
      kind: "price_flow_divergence",
      symbol,
      tsMs: this.startMs + windowMs,
      divergence: result,
    };
  }
}
