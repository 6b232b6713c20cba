import { z } from "@hono/zod-openapi";
import { roundTo } from "../lib/round";
import type { ExtendedHoursVolume } from "./sessions.store";

/** `extended_hours` of the dark-pool summary: what printed outside 09:30-16:00 ET, labelled and apart. */
export const ExtendedHoursSchema = z
  .object({
    session: z.string().openapi({ description: "What counts as extended hours" }),
    off_exchange_prints: z.number(),
    off_exchange_volume: z.number(),
    off_exchange_value: z.number(),
    lit_volume: z.number(),
    regular_session_off_exchange_volume: z
      .number()
      .openapi({ description: "total_volume minus the extended-hours off-exchange volume" }),
    included_in_total_volume: z.literal(true),
  })
  .openapi("ExtendedHours", {
    description:
      "Prints outside the regular session (pre-market and after-hours). FINRA's daily short-sale files cover " +
      "regular hours only, and derived daily bars (close, volume) use the regular session; total_volume " +
      "still counts every off-exchange print, so this block says how much of it came outside regular hours.",
  });

export function extendedHoursPayload(x: ExtendedHoursVolume, totalOffExchangeVolume: number) {
  return {
    session: "outside 09:30:00-16:00:00 ET or marked extended hours (Form T)",
    off_exchange_prints: x.offExchangePrints,
    off_exchange_volume: x.offExchangeVolume,
    off_exchange_value: roundTo(x.offExchangeValueUsd, 2),
    lit_volume: x.litVolume,
    regular_session_off_exchange_volume: totalOffExchangeVolume - x.offExchangeVolume,
    included_in_total_volume: true as const,
  };
}
