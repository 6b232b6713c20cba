import { describe, expect, it } from "vitest";
import { BLOCKS_PARAMS_VERSION } from "../blocks/blocks.params";
import type { BlockTrade } from "../blocks/blocks.signals";
import type { DetectorEvent, SweepEvent } from "../blocks/detectors";
import { AlertEngine, alertIdOf, alertOutcome, candidateOf, DEFAULT_ALERT_RULES } from "./alerts.rules";

const T0 = Date.parse("2025-03-12T14:00:00.000Z");

function blockEvent(valueUsd: number, tradeKey: string, tsMs = T0): DetectorEvent {
  const block: BlockTrade = {
    symbol: "AAPL",
    timestamp: new Date(tsMs).toISOString(),
    trade_type: "block",
    price: 200,
    size: valueUsd / 200,
    value: valueUsd,
    is_options: false,
    sentiment: "bullish",
    volume_ratio: null,
    is_off_exchange: true,
    exchange: "D",
    conditions: [],
    exclusion_reason: null,
    trade_key: tradeKey,
  };
  return { kind: "block", symbol: "AAPL", tsMs, alertable: valueUsd >= 10_000_000, block };
}

function optionSweep(over: Partial<SweepEvent>, tsMs = T0): DetectorEvent {
  return {
    kind: "sweep",
    symbol: "AAPL",
    tsMs,
    sweep: {
      symbol: "AAPL",
      contract: "AAPL251219C00200000",
      isOption: true,
      startTs: new Date(tsMs).toISOString(),
      endTs: new Date(tsMs).toISOString(),
      fills: 2,
      venues: ["302", "325"],
      size: 600,
      valueUsd: 300_000,
      firstPrice: 5,
      lastPrice: 5.05,
      iso: true,
      volumeRatio: 6,
      right: "call",
      windowMs: 10,
      ...over,
    },
  };
}

describe("alert rules", () => {
  it("one $12M block makes one alert that carries its inputs, severity and parameter versions", () => {
    const engine = new AlertEngine();
    const event = blockEvent(12_000_000, "polygon|AAPL|2025-03-12|D|202|123");
    const alert = engine.evaluate(event);
    expect(alert).toMatchObject({
      symbol: "AAPL",
      type: "large_block",
      severity: "high",
      timestamp: "2025-03-12T14:00:00.000Z",
      params_version: BLOCKS_PARAMS_VERSION,
      rules_version: DEFAULT_ALERT_RULES.version,
      seq: null,
      values: { value: 12_000_000, threshold_usd: 10_000_000, is_off_exchange: true },
      outcome: { price_move_1h_pct: null, price_move_1d_pct: null },
    });
    expect(alert?.inputs).toEqual(event);
    expect(alert?.title).toContain("$12.0M off-exchange block");
    // The same event again (a replay, a second evaluation) makes nothing new.
    expect(engine.evaluate(event)).toBeNull();
  });

  it("gives the same event the same id on every node, so the store can reject the second", () => {
    const a = new AlertEngine().evaluate(blockEvent(12_000_000, "k1"));
    const b = new AlertEngine().evaluate(blockEvent(12_000_000, "k1"));
    expect(a?.id).toBe(b?.id);
    expect(a?.id).toBe(alertIdOf("large_block", "large_block:AAPL:k1"));
    expect(new AlertEngine().evaluate(blockEvent(12_000_000, "k2"))?.id).not.toBe(a?.id);
  });

  it("does not alert on tracked blocks under $10M, and calls $50M+ critical", () => {
    const engine = new AlertEngine();
    expect(engine.evaluate(blockEvent(5_000_000, "a"))).toBeNull();
    expect(engine.evaluate(blockEvent(60_000_000, "b"))?.severity).toBe("critical");
  });

  it("holds further sweeps on one contract within the cooldown unless they are more severe", () => {
    const engine = new AlertEngine();
    expect(engine.evaluate(optionSweep({}, T0))?.severity).toBe("medium");
    expect(engine.evaluate(optionSweep({}, T0 + 10_000))).toBeNull();
    expect(engine.evaluate(optionSweep({ valueUsd: 2_000_000 }, T0 + 20_000))?.severity).toBe("high");
    expect(engine.evaluate(optionSweep({}, T0 + 61_000 + 20_000))?.type).toBe("unusual_sweep");
  });

  it("needs option sweeps above 3x normal volume, or a large premium when no history exists", () => {
    expect(candidateOf(optionSweep({ volumeRatio: 2 }))).toBeNull();
    expect(candidateOf(optionSweep({ volumeRatio: 3.5 }))?.type).toBe("unusual_sweep");
    expect(candidateOf(optionSweep({ volumeRatio: null, valueUsd: 100_000 }))).toBeNull();
    expect(candidateOf(optionSweep({ volumeRatio: null, valueUsd: 600_000 }))?.type).toBe("unusual_sweep");
  });

  it("drops a rule that is disabled or below its minimum severity", () => {
    const rules = structuredClone(DEFAULT_ALERT_RULES);
    rules.rules.large_block.enabled = false;
    rules.rules.unusual_sweep.minSeverity = "high";
    const engine = new AlertEngine(undefined, rules);
    expect(engine.evaluate(blockEvent(12_000_000, "x"))).toBeNull();
    expect(engine.evaluate(optionSweep({}))).toBeNull();
  });

  it("computes the outcome move 1h and 1d after an alert once those moments have passed", () => {
    const prices = new Map([
      [T0, 100],
      [T0 + 3_600_000, 102],
      [T0 + 86_400_000, 95],
    ]);
    const priceAt = (t: number) => prices.get(t) ?? null;
    const early = alertOutcome({ timestamp: new Date(T0).toISOString() }, T0 + 3_700_000, priceAt);
    expect(early).toMatchObject({ price_at_alert: 100, price_move_1d_pct: null });
    expect(early.price_move_1h_pct).toBeCloseTo(2, 9);
    const late = alertOutcome({ timestamp: new Date(T0).toISOString() }, T0 + 90_000_000, priceAt);
    expect(late.price_move_1d_pct).toBeCloseTo(-5, 9);
  });
});
