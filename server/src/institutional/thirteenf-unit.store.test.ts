import type { DbHandle } from "@smt/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import type { DailyBarRecord } from "../darkpool/bars.parse";
import { dailyBarsStore } from "../darkpool/finra.store";
import { closesNearPeriodEnd, upsertSecurities } from "./securities.store";
import { holdingsReportCover } from "./thirteenf.parse";
import { insert13FFilings, insert13FHoldings, type ThirteenFHoldingRow } from "./thirteenf.store";
import { assessStoredValueUnits, valueUnitChecks } from "./thirteenf-unit.store";

const PERIOD = "2025-09-30";
const ACCESSION = "0009000000-25-000042";
const published = new Date("2025-11-14T21:00:00Z");

const bar = (symbol: string, day: string, close: number, source = "bars_csv"): DailyBarRecord => ({
  symbol,
  day,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1000,
  transactions: null,
  source,
  sourceRef: `test:${symbol}:${day}`,
  publishedAt: new Date(`${day}T23:00:00Z`),
});

const security = (cusip: string, symbol: string, source = "user_csv") => ({
  symbol,
  cusip,
  name: null,
  cik: null,
  sharesOutstanding: null,
  sharesAsOf: null,
  source,
});

const cover = holdingsReportCover("0009000000", "UNIT CHECK CAPITAL", PERIOD);

const holding = (
  rowIndex: number,
  cusip: string,
  opts: { suspect?: boolean; putCall?: "Put" | "Call" | null } = {},
): ThirteenFHoldingRow => ({
  accession: ACCESSION,
  filerCik: cover.filerCik,
  periodOfReport: PERIOD,
  source: "test",
  publishedAt: published,
  holding: {
    rowIndex,
    nameOfIssuer: `ISSUER ${rowIndex}`,
    titleOfClass: "COM",
    cusip,
    figi: null,
    valueAsFiled: 10_000,
    valueUsd: 10_000,
    valueUnit: "usd",
    valueUnitBasis: "filing_date",
    valueUnitSuspect: opts.suspect ?? false,
    impliedPriceUsd: 100,
    sharesOrPrincipal: 100,
    sharesOrPrincipalType: "SH",
    putCall: opts.putCall ?? null,
    investmentDiscretion: "SOLE",
    otherManager: null,
    votingSole: 100,
    votingShared: 0,
    votingNone: 0,
  },
});

describe.each(engines())("13F unit check against stored closes on %s", (engine) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(engine);
    const db = handle.db;
    await upsertSecurities(
      db,
      [
        security("000000AA1", "NEAR"),
        security("000000BB2", "STALE"),
        security("000000CC3", "OLDCLASS"),
        security("000000CC3", "NEWCLASS", "openfigi"),
        security("000000DD4", "TWOSRC"),
      ],
      "test.csv",
      published,
    );
    await dailyBarsStore.insert(db, [
      bar("NEAR", "2025-09-26", 100),
      bar("NEAR", "2025-09-19", 90),
      // Only a bar older than the week up to the period end: no close.
      bar("STALE", "2025-09-22", 80),
      bar("OLDCLASS", "2025-09-25", 50),
      bar("NEWCLASS", "2025-09-29", 55),
      // Vendor and tape-derived bars of one day: the vendor's close counts.
      bar("TWOSRC", "2025-09-30", 20, "derived_from_prints"),
      bar("TWOSRC", "2025-09-30", 21),
      // A bar after the period end does not count either.
      bar("STALE", "2025-10-01", 81),
    ]);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("finds each CUSIP's newest close within the week up to the period end, through its mapped symbols", async () => {
    const closes = await closesNearPeriodEnd(
      handle.db,
      ["000000AA1", "000000BB2", "000000CC3", "000000DD4", "000000EE5"],
      PERIOD,
    );
    expect(Object.fromEntries(closes)).toEqual({ "000000AA1": 100, "000000CC3": 55, "000000DD4": 21 });
    expect(await closesNearPeriodEnd(handle.db, [], PERIOD)).toEqual(new Map());
  });

  it("counts the share rows with a stored close, and those off it, in the filing's evidence", async () => {
    await insert13FFilings(handle.db, [
      {
        source: "test",
        accession: ACCESSION,
        publishedAt: published,
        cover,
        filedDate: "2025-11-14",
        valueUnit: "usd",
      },
    ]);
    await insert13FHoldings(handle.db, [
      holding(1, "000000AA1", { suspect: true }),
      holding(2, "000000CC3"),
      holding(3, "000000DD4", { suspect: true }),
      // No close near the period end, unmapped, or not a share row: not counted.
      holding(4, "000000BB2", { suspect: true }),
      holding(5, "000000EE5"),
      holding(6, "000000AA1", { putCall: "Put", suspect: true }),
    ]);
    const [verdict] = await assessStoredValueUnits(handle.db, [ACCESSION]);
    expect(verdict?.evidence).toMatchObject({ rows: 6, rowsWithStoredClose: 3, rowsOffStoredClose: 2 });
    expect(verdict?.flags).toContain("implied_prices_off_stored_closes");
    const stored = (await valueUnitChecks(handle.db, [ACCESSION])).get(ACCESSION);
    expect(stored).toMatchObject({ suspect: true, flags: verdict?.flags });
    expect(stored?.evidence).toMatchObject({ rowsWithStoredClose: 3, rowsOffStoredClose: 2 });
  });
});
