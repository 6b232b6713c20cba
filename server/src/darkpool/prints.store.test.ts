import { type DbHandle, schema } from "@smt/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import type { EnrichedPrint } from "./print";
import { PrintWireSchema, rowToPrintWire, toPrintWire } from "./print-wire";
import { insertPrints, printParamLiterals, queryPrints } from "./prints.store";

const base: EnrichedPrint = {
  symbol: "STORE",
  ts: new Date(Date.UTC(2025, 2, 12, 14, 0, 0, 1)),
  price: 101.37,
  sizeShares: 300,
  exchange: "D",
  exchangeId: 4,
  trfId: 202,
  isOffExchange: true,
  tape: "C",
  conditions: ["12", "37"],
  conditionScheme: "polygon",
  correction: 0,
  tradeId: "1",
  bid: 101.3,
  ask: 101.4,
  source: "polygon_flatfile",
  sourceRef: "day.csv:2",
  publishedAt: null,
  tradeKey: "polygon|STORE|2025-03-12|D|202|1",
  valueUsd: 101.37 * 300,
  blockEligible: false,
  exclusionReason: "odd_lot",
  isIso: false,
  isLate: false,
  extendedHours: true,
  marketPrice: 101.35,
  marketPriceSource: "nbbo_mid",
  premiumDiscountPct: ((101.37 - 101.35) / 101.35) * 100,
  side: "mid",
  sentiment: "neutral",
};

const variants: EnrichedPrint[] = [
  base,
  // Published later than the trade, a value that is not price * size, odd characters in text fields.
  {
    ...base,
    ts: new Date(Date.UTC(2025, 2, 12, 14, 0, 0, 999)),
    publishedAt: new Date(Date.UTC(2025, 2, 13, 1, 2, 3, 4)),
    valueUsd: 12.5,
    tradeKey: 'polygon|STORE|2025-03-12|D|202|a"b\\c,d',
    sourceRef: 'upload "q", {x}\\y.csv:3',
    conditions: [],
    tape: null,
    trfId: null,
    bid: null,
    ask: null,
    marketPrice: null,
    marketPriceSource: null,
    premiumDiscountPct: null,
    exclusionReason: null,
    side: "unknown",
    sentiment: "unknown",
    isIso: true,
    isLate: true,
    blockEligible: true,
  },
  // Before 1970 and with sub-cent prices: the epoch-millisecond path must be exact both ways.
  {
    ...base,
    ts: new Date(-86_400_000 * 3 + 7),
    publishedAt: new Date(-86_400_000 * 3 + 7),
    price: 0.0001,
    sizeShares: 0.5,
    valueUsd: 0.0001 * 0.5,
    tradeKey: "polygon|STORE|1969-12-29|D|202|3",
    correction: 12,
  },
  // Sale conditions holding the array syntax's own characters come back as the same list (issue 9.14).
  {
    ...base,
    tradeKey: "polygon|STORE|2025-03-12|D|202|conditions",
    conditions: ["a,b", 'q"x', "\\", "{}", "NULL", "", " s "],
  },
  { ...base, tradeKey: "polygon|STORE|2025-03-12|D|202|one-comma", conditions: ["a,b"] },
];

describe.each(engines())("storing prints on %s", (engine) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await handle.close();
  });

  it("stores every field as given, including times, derived values and quoted text", async () => {
    expect(await insertPrints(handle.db, variants)).toEqual(variants);
    const rows = await handle.db
      .select()
      .from(schema.prints)
      .where(eq(schema.prints.symbol, "STORE"))
      .orderBy(schema.prints.tradeKey);
    const byKey = new Map(rows.map((r) => [r.tradeKey, r]));
    for (const p of variants) {
      const row = byKey.get(p.tradeKey);
      expect(row, p.tradeKey).toBeDefined();
      expect({
        ts: row?.ts.getTime(),
        publishedAt: row?.publishedAt.getTime(),
        price: row?.price,
        size: row?.size,
        valueUsd: row?.valueUsd,
        exchange: row?.exchange,
        trfId: row?.trfId,
        isOffExchange: row?.isOffExchange,
        tape: row?.tape,
        conditions: row?.conditions,
        blockEligible: row?.blockEligible,
        exclusionReason: row?.exclusionReason,
        isIso: row?.isIso,
        isLate: row?.isLate,
        extendedHours: row?.extendedHours,
        correction: row?.correction,
        marketPrice: row?.marketPrice,
        marketPriceSource: row?.marketPriceSource,
        bid: row?.bid,
        ask: row?.ask,
        premiumDiscountPct: row?.premiumDiscountPct,
        side: row?.side,
        sentiment: row?.sentiment,
        source: row?.source,
        sourceRef: row?.sourceRef,
      }).toEqual({
        ts: p.ts.getTime(),
        publishedAt: (p.publishedAt ?? p.ts).getTime(),
        price: p.price,
        size: p.sizeShares,
        valueUsd: p.valueUsd,
        exchange: p.exchange,
        trfId: p.trfId,
        isOffExchange: p.isOffExchange,
        tape: p.tape,
        conditions: p.conditions,
        blockEligible: p.blockEligible,
        exclusionReason: p.exclusionReason,
        isIso: p.isIso,
        isLate: p.isLate,
        extendedHours: p.extendedHours,
        correction: p.correction,
        marketPrice: p.marketPrice,
        marketPriceSource: p.marketPriceSource,
        bid: p.bid,
        ask: p.ask,
        premiumDiscountPct: p.premiumDiscountPct,
        side: p.side,
        sentiment: p.sentiment,
        source: p.source,
        sourceRef: p.sourceRef,
      });
    }
  });

  it("answers a stored print over REST in the same wire shape the socket pushed live", async () => {
    const live = { ...base, tradeKey: "wire|1", ts: new Date(Date.UTC(2025, 2, 12, 15, 0, 0, 7)) };
    await insertPrints(handle.db, [live]);
    const rows = await queryPrints(handle.db, {
      symbol: "STORE",
      limit: 1,
      offExchangeOnly: true,
      until: new Date(Date.UTC(2025, 2, 12, 16)),
      since: live.ts,
    });
    const stored = rowToPrintWire(rows[0] as (typeof rows)[number]);
    expect(stored).toEqual(toPrintWire(live));
    // Both are exactly the schema's fields (the REST document and the socket type come from it).
    expect(PrintWireSchema.strict().parse(stored)).toEqual(stored);
    expect(PrintWireSchema.strict().parse(toPrintWire(live))).toEqual(toPrintWire(live));
    expect(Object.keys(stored)).toEqual(Object.keys(PrintWireSchema.shape));
  });

  it("returns only the prints that were new when a batch mixes stored and new ones", async () => {
    const fresh = { ...base, tradeKey: "polygon|STORE|2025-03-12|D|202|new", tradeId: "new" };
    const again = [variants[1] as EnrichedPrint, fresh, base];
    expect(await insertPrints(handle.db, again)).toEqual([fresh]);
    expect(await insertPrints(handle.db, again)).toEqual([]);
  });

  it("sends value_usd and published_at only when they differ from price * size and ts", () => {
    const literals = printParamLiterals(variants);
    expect(literals[5]).toBe("{NULL,12.5,NULL,NULL,NULL}");
    expect(literals[26]).toBe(`{NULL,${Date.UTC(2025, 2, 13, 1, 2, 3, 4)},NULL,NULL,NULL}`);
  });
});
