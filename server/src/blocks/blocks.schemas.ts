/**
 * The payloads of the blocks answers, one zod schema each (the OpenAPI document is generated from them)
 * with its TypeScript type inferred, shared by the routes and the service.
 */
import { z } from "@hono/zod-openapi";

export const BlockTradeSchema = z
  .object({
    symbol: z.string(),
    timestamp: z.string(),
    trade_type: z.enum(["block", "sweep", "odd_lot_excluded", "late", "excluded"]),
    price: z.number(),
    size: z.number(),
    value: z.number(),
    is_options: z.boolean(),
    sentiment: z.string().openapi({ description: "Estimate from the print's place against the NBBO" }),
    volume_ratio: z.number().nullable(),
    is_off_exchange: z.boolean(),
    exchange: z.string(),
    conditions: z.array(z.string()),
    exclusion_reason: z.string().nullable(),
    trade_key: z.string(),
    is_alertable: z.boolean(),
  })
  .openapi("BlockTrade");

export const RecentBlocksSchema = z.object({
  symbol: z.string(),
  blocks: z.array(BlockTradeSchema),
  alert_threshold_usd: z.number(),
  params_version: z.string(),
  as_of: z.string(),
});
export type RecentBlocks = z.infer<typeof RecentBlocksSchema>;

export const ContractSchema = z
  .object({
    contract: z.string(),
    expiry: z.string(),
    right: z.string(),
    strike: z.number(),
    volume: z.number(),
    premium: z.number(),
    average_volume: z.number().nullable(),
    history_days: z.number(),
    open_interest: z.number().nullable(),
    volume_ratio: z.number().nullable(),
    volume_oi_ratio: z.number().nullable(),
    is_unusual: z.boolean(),
    reason: z.string().nullable(),
  })
  .openapi("OptionContractActivity");

export const OptionContractsSchema = z.object({
  symbol: z.string(),
  date: z.string().nullable(),
  contracts: z.array(ContractSchema),
  unusual_count: z.number(),
  threshold_ratio: z.number(),
  params_version: z.string(),
  as_of: z.string(),
});
export type OptionContracts = z.infer<typeof OptionContractsSchema>;

export const OptionsPositioningSchema = z
  .object({
    symbol: z.string(),
    call_premium: z.number(),
    put_premium: z.number(),
    call_volume: z.number(),
    put_volume: z.number(),
    call_put_ratio: z.number().nullable(),
    call_put_premium_ratio: z.number().nullable(),
    bullish_premium: z.number(),
    bearish_premium: z.number(),
    classified_prints: z.number(),
    net_sentiment_score: z.number().nullable(),
    sentiment: z.enum(["bullish", "bearish", "neutral", "unknown"]),
    sentiment_basis: z.enum(["nbbo_side", "none"]),
    unclassified_premium_share: z.number(),
    multi_leg_premium: z.number(),
    multi_leg_volume: z.number(),
    top_contracts: z.array(z.record(z.string(), z.unknown())),
    window_start: z.string().nullable(),
    window_end: z.string().nullable(),
    prints: z.number(),
    params_version: z.string(),
    as_of: z.string(),
  })
  .openapi("OptionsPositioning");
export type OptionsPositioningPayload = z.infer<typeof OptionsPositioningSchema>;

export const VolumeSpikeSchema = z.object({
  symbol: z.string(),
  date: z.string(),
  daily: z.object({
    volume: z.number(),
    average_volume: z.number(),
    volume_ratio: z.number(),
    is_spike: z.boolean(),
    history_days: z.number(),
    threshold_ratio: z.number(),
  }),
  intraday_spikes: z.array(
    z.object({
      window_start: z.string(),
      window_minutes: z.number(),
      volume: z.number(),
      average_volume: z.number(),
      volume_ratio: z.number(),
    }),
  ),
  params_version: z.string(),
  as_of: z.string(),
});
export type VolumeSpikePayload = z.infer<typeof VolumeSpikeSchema>;

export const DivergenceSchema = z
  .object({
    symbol: z.string(),
    window_start: z.string(),
    window_end: z.string(),
    price_change_pct: z.number().nullable(),
    parts: z.object({
      dark_pool: z.number().nullable(),
      blocks: z.number().nullable(),
      options: z.number().nullable(),
    }),
    net_flow_score: z.number().nullable(),
    price_score: z.number().nullable(),
    divergence_score: z.number(),
    divergence_type: z.string(),
    is_divergent: z.boolean(),
    inputs: z.record(z.string(), z.number().nullable()),
    params_version: z.string(),
    as_of: z.string(),
  })
  .openapi("Divergence");
export type DivergencePayload = z.infer<typeof DivergenceSchema>;
