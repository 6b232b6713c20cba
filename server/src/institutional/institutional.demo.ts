/**
 * Demo data for the institutional endpoints, shaped like real records: a securities row with a CUSIP
 * whose check digit is valid, 13F-HR filings of a dozen managers for the last three complete quarters
 * (filed within the 45-day window, values in dollars, some option rows), and Form 4 transactions
 * (form4.demo.ts). Everything is stored with source `demo`, valued on the symbol's demo price path
 * (feeds/demo-path.ts), and deterministic for a given symbol and `now`.
 *
 * A manager files one 13F-HR per quarter for its whole book, so the filing (accession, filing date,
 * the rest of its portfolio) depends on the manager and the quarter only, and each demo symbol adds
 * its own rows to it: generating AAPL and then MSFT gives both their holders, in either order.
 */
import type { Db } from "@smt/db";
import { demoClose, tradingDayOnOrBefore, unitHash } from "../feeds/demo-path";
import { etDateOf } from "../lib/et-time";
import { touchSymbols } from "../lib/symbols";
import { generateForm4Demo } from "./form4.demo";
import { publishedAtOf } from "./institutional.ingest";
import { latestCompleteQuarter, previousQuarterEnd } from "./institutional.signals";
import { cusipCheckDigit } from "./securities";
import { upsertSecurities } from "./securities.store";
import { holdingsReportCover, type ThirteenFCover, type ThirteenFHolding } from "./thirteenf.parse";
import {
  insert13FFilings,
  insert13FHoldings,
  type ThirteenFFilingRow,
  type ThirteenFHoldingRow,
} from "./thirteenf.store";

export interface InstitutionalDemoSummary {
  symbol: string;
  cusip: string;
  filings_13f: number;
  holdings_13f: number;
  insider_filings: number;
  insider_transactions: number;
}

const MANAGERS = [
  "DEMO VANGUARD-LIKE INDEX ADVISERS",
  "DEMO BLACKSTONE-LIKE ASSET MGMT",
  "DEMO STATE STREET-LIKE GLOBAL",
  "DEMO FIDELITY-LIKE RESEARCH CO",
  "DEMO GEODE-LIKE CAPITAL MGMT",
  "DEMO NORTHERN-LIKE TRUST CORP",
  "DEMO RENAISSANCE-LIKE TECH LLC",
  "DEMO CITADEL-LIKE ADVISORS LLC",
  "DEMO TWO SIGMA-LIKE INVESTMENTS",
  "DEMO BRIDGEWATER-LIKE ASSOCIATES",
  "DEMO ACORN-LIKE CAPITAL LLC",
  "DEMO FAMILY OFFICE PARTNERS LP",
];

/** A CUSIP-shaped identifier for the demo symbol (issuer `9DM` prefix, valid check digit). */
export function demoCusip(symbol: string): string {
  const body = `9DM${symbol
    .replace(/[^A-Z0-9]/g, "")
    .padEnd(3, "0")
    .slice(0, 3)}10`;
  return `${body}${cusipCheckDigit(body)}`;
}

/** The demo issuer: CIK and shares outstanding from the symbol alone (a market value of $50B-$2.5T). */
function demoIssuer(symbol: string) {
  const issuerCik = String(9_000_000 + Math.floor(unitHash(`${symbol}:cik`) * 900_000)).padStart(10, "0");
  const marketValueUsd = 50e9 + unitHash(`${symbol}:cap`) * 2.45e12;
  const sharesOutstanding = Math.round(marketValueUsd / demoClose(symbol, "2025-01-02") / 1e6) * 1e6;
  return { symbol, cusip: demoCusip(symbol), issuerCik, sharesOutstanding };
}

/**
 * Row numbers of a symbol inside a manager's filing: one slot per symbol (its first five characters in
 * base 38, so different symbols never share one), a share row and an option row per slot. Row 1 is the
 * rest of the manager's book.
 */
export function demoRowSlot(symbol: string): number {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-";
  const key = symbol.length <= 5 ? symbol : `${symbol.slice(0, 4)}${alphabet[symbol.length % 38]}`;
  let slot = 0;
  for (const ch of key.padEnd(5, "0")) slot = slot * 38 + Math.max(0, alphabet.indexOf(ch));
  return 2 + slot * 2;
}

interface DemoFiling {
  manager: string;
  filerCik: string;
  accession: string;
  filedDate: string;
  publishedAt: Date;
  /** The rest of the manager's book, so "% of portfolio" is meaningful. */
  restValueUsd: number;
}

/** A manager's 13F-HR for a quarter: the same for every demo symbol. */
function demoFiling(mi: number, period: string): DemoFiling {
  const manager = MANAGERS[mi] as string;
  const filerCik = String(1_100_000 + mi * 7919).padStart(10, "0");
  const quarterNo = Number(period.slice(5, 7)) / 3;
  const accession = `${filerCik}-${period.slice(2, 4)}-${String(100 + quarterNo * 20 + mi).padStart(6, "0")}`;
  const filedDate = tradingDayOnOrBefore(
    new Date(
      Date.parse(`${period}T00:00:00Z`) +
        (20 + Math.floor(unitHash(`${manager}:${period}`) * 24)) * 86_400_000,
    )
      .toISOString()
      .slice(0, 10),
  );
  const restValueUsd = Math.round(
    (20e9 + unitHash(manager) * 1.5e12) * (0.95 + 0.1 * unitHash(`${manager}:${period}:book`)),
  );
  return {
    manager,
    filerCik,
    accession,
    filedDate,
    publishedAt: publishedAtOf(null, filedDate) as Date,
    restValueUsd,
  };
}

function holdingRow(
  symbol: string,
  rowIndex: number,
  putCall: "Put" | "Call" | null,
  shares: number,
  priceUsd: number,
): ThirteenFHolding {
  const valueUsd = Math.round(shares * priceUsd);
  return {
    rowIndex,
    nameOfIssuer: `${symbol} DEMO INC`,
    titleOfClass: putCall ? putCall.toUpperCase() : "COM",
    cusip: demoCusip(symbol),
    figi: null,
    valueAsFiled: valueUsd,
    valueUsd,
    valueUnit: "usd",
    valueUnitBasis: "filing_date",
    valueUnitSuspect: false,
    impliedPriceUsd: priceUsd,
    sharesOrPrincipal: shares,
    sharesOrPrincipalType: "SH",
    putCall,
    investmentDiscretion: "SOLE",
    otherManager: null,
    votingSole: shares,
    votingShared: 0,
    votingNone: 0,
  };
}

function coverOf(f: DemoFiling, period: string): ThirteenFCover {
  return holdingsReportCover(f.filerCik, f.manager, period, {
    otherIncludedManagersCount: 0,
    tableEntryTotal: 1,
    tableValueTotal: f.restValueUsd,
    isConfidentialOmitted: false,
    signatureDate: f.filedDate,
  });
}

/** The manager's rest-of-book row: a demo-only CUSIP that is never a real security. */
function restOfBook(f: DemoFiling): ThirteenFHolding {
  const rest = holdingRow("BOOK", 1, null, Math.round(f.restValueUsd / 100), 100);
  rest.nameOfIssuer = "DEMO REST OF PORTFOLIO";
  return rest;
}

/**
 * 13F filings of the last three complete quarters with the symbol's rows. Position sizes drift from
 * quarter to quarter; one manager enters late and one sells out (it still files, without this stock),
 * so the flow shows new and sold-out positions. Values use the path's quarter-end close.
 */
async function generate13FDemo(db: Db, issuer: ReturnType<typeof demoIssuer>, now: Date) {
  const { symbol } = issuer;
  const q0 = latestCompleteQuarter(now);
  const quarters = [previousQuarterEnd(previousQuarterEnd(q0)), previousQuarterEnd(q0), q0];
  let filings13F = 0;
  let holdings13F = 0;
  for (const [qi, period] of quarters.entries()) {
    const priceUsd = demoClose(symbol, tradingDayOnOrBefore(period));
    const filings: ThirteenFFilingRow[] = [];
    const rows: ThirteenFHoldingRow[] = [];
    for (const mi of MANAGERS.keys()) {
      if (mi === 10 && qi === 0) continue;
      const f = demoFiling(mi, period);
      if (f.publishedAt > now) continue;
      const base = issuer.sharesOutstanding * (0.002 + unitHash(`${symbol}:${mi}`) * 0.06);
      const shares = Math.round(base * (1 + 0.1 * Math.sin(qi + 6 * unitHash(`${symbol}:${mi}:drift`))));
      const own = [restOfBook(f)];
      if (!(mi === 11 && qi === 2)) {
        const slot = demoRowSlot(symbol);
        own.push(holdingRow(symbol, slot, null, shares, priceUsd));
        if (mi % 4 === 1) {
          const putCall = unitHash(`${symbol}:${mi}:${period}:pc`) > 0.5 ? "Call" : "Put";
          own.push(holdingRow(symbol, slot + 1, putCall, Math.round(shares * 0.05), priceUsd));
        }
      }
      filings.push({
        source: "demo",
        accession: f.accession,
        publishedAt: f.publishedAt,
        cover: coverOf(f, period),
        filedDate: f.filedDate,
        valueUnit: "usd",
      });
      const common = { accession: f.accession, filerCik: f.filerCik, periodOfReport: period, source: "demo" };
      for (const holding of own) rows.push({ ...common, publishedAt: f.publishedAt, holding });
    }
    filings13F += (await insert13FFilings(db, filings)).length;
    holdings13F += (await insert13FHoldings(db, rows)).length;
  }
  return { filings13F, holdings13F };
}

/** Securities row, 13F holders and Form 4 transactions of a demo symbol; returns what was new. */
export async function generateInstitutionalDemo(
  db: Db,
  symbol: string,
  options: { days?: number; now?: Date } = {},
): Promise<InstitutionalDemoSummary> {
  const now = options.now ?? new Date();
  const issuer = demoIssuer(symbol);
  const asOfDay = etDateOf(now.getTime());
  await upsertSecurities(
    db,
    [
      {
        symbol,
        cusip: issuer.cusip,
        name: `${symbol} DEMO INC`,
        cik: issuer.issuerCik,
        sharesOutstanding: issuer.sharesOutstanding,
        sharesAsOf: new Date(Date.parse(`${asOfDay}T00:00:00Z`) - 60 * 86_400_000).toISOString().slice(0, 10),
        source: "demo",
      },
    ],
    "demo",
    now,
  );
  const thirteenF = await generate13FDemo(db, issuer, now);
  await touchSymbols(db, [symbol], "institutional");
  const form4 = await generateForm4Demo(db, issuer, options.days ?? 90, now);
  return {
    symbol,
    cusip: issuer.cusip,
    filings_13f: thirteenF.filings13F,
    holdings_13f: thirteenF.holdings13F,
    insider_filings: form4.filings,
    insider_transactions: form4.transactions,
  };
}
