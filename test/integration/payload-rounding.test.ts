/**
 * Issue 15, consistent semantics: money in API payloads is in cents and prices are to the tick (no
 * `3824012.3200000003` or `190.85000000000002`), checked over every element of the payloads an analyst
 * reads after a demo load.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemo } from "../../server/src/feeds/demo";
import { cents, roundMoneyFields, toTick } from "../../server/src/lib/round";
import { api, buildTestApp, ok } from "../support/app";
import { engines } from "../support/db";

const MONEY = /(^value$|^premium$|_usd$|_premium$)/;
const PRICE = /(^price$|_price$|^(bid|ask|open|high|low|close|vwap)$)/;
const decimals = (x: number) => (Number.isInteger(x) ? 0 : (String(x).split(".")[1]?.length ?? 0));

/** Every `key: number` pair of a payload, at any depth. */
function numbers(v: unknown, key = "", out: [string, number][] = []): [string, number][] {
  if (typeof v === "number") out.push([key, v]);
  else if (Array.isArray(v)) for (const x of v) numbers(x, key, out);
  else if (v !== null && typeof v === "object")
    // Score components and metric cards carry a unitless `value` (an index), not money.
    for (const [k, x] of Object.entries(v)) if (k !== "components" && k !== "metrics") numbers(x, k, out);
  return out;
}

describe("the rounding helpers", () => {
  it("round money to the cent and prices to the tick, and leave counts and ratios alone", () => {
    expect(cents(3824012.3200000003)).toBe(3824012.32);
    expect(toTick(190.85000000000002)).toBe(190.85);
    expect(toTick(12.3451)).toBe(12.3451);
    expect(
      roundMoneyFields({
        value: 0.1 + 0.2,
        rows: [{ price: 190.85000000000002, ratio: 1 / 3, net_value_usd: -6390619.269999998 }],
      }),
    ).toEqual({ value: 0.3, rows: [{ price: 190.85, ratio: 1 / 3, net_value_usd: -6390619.27 }] });
  });
});

describe.each(engines())("payload numbers after a demo load on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine);
    await generateDemo({
      db: t.handle.db,
      pipeline: t.deps.pipeline,
      symbol: "AAPL",
      days: 5,
      printsPerDay: 200,
    });
  }, 120_000);
  afterAll(async () => t?.close());

  const aapl = { param: { symbol: "AAPL" }, query: {} };
  const answers: [string, () => Promise<unknown>][] = [
    ["/smart-money/analytics/AAPL/dashboard", () => ok(api(t.app).analytics[":symbol"].dashboard.$get(aapl))],
    ["/smart-money/dark-pool/AAPL/summary", () => ok(api(t.app)["dark-pool"][":symbol"].summary.$get(aapl))],
    [
      "/smart-money/blocks/AAPL/options-positioning",
      () => ok(api(t.app).blocks[":symbol"]["options-positioning"].$get(aapl)),
    ],
    [
      "/smart-money/institutional/AAPL/insider-sentiment",
      () => ok(api(t.app).institutional[":symbol"]["insider-sentiment"].$get(aapl)),
    ],
    [
      "/smart-money/institutional/AAPL/holders",
      () => ok(api(t.app).institutional[":symbol"].holders.$get(aapl)),
    ],
  ];
  it.each(answers)("%s has money in cents and prices to the tick", async (_path, answer) => {
    const body = await answer();
    const bad = numbers(body).filter(
      ([k, x]) => (MONEY.test(k) && decimals(x) > 2) || (PRICE.test(k) && decimals(x) > 4),
    );
    expect(bad).toEqual([]);
  });
});
