/**
 * Demo data for the institutional endpoints, shaped like real records: a securities row with a CUSIP
 * whose check digit is valid, 13F-HR filings of a dozen managers for the last three complete quarters
 * (filed within the 45-day window, values in dollars, some option rows), and Form 4 transactions of
 * five insiders with the codes and 10b5-1 flags real filings carry. Everything is stored with source
 * `demo` and deterministic for a given symbol and `now`.
 */
import type { Db } from "@smt/db";
import { touchSymbols } from "../lib/symbols";
import type { Form4Filing, Form4Row } from "./form4.parse";
import { insertInsiderFilings, insertInsiderRows, rolesOf } from "./insider.store";
import { publishedAtOf } from "./institutional.ingest";
import { latestCompleteQuarter, previousQuarterEnd } from "./institutional.signals";
import { cusipCheckDigit } from "./securities";
import { upsertSecurities } from "./securities.store";
import type { ThirteenFCover, ThirteenFHolding } from "./thirteenf.parse";
import { insert13FFilings, insert13FHoldings } from "./thirteenf.store";

export interface InstitutionalDemoSummary {
  symbol: string;
  cusip: string;
  filings_13f: number;
  holdings_13f: number;
  insider_filings: number;
  insider_transactions: number;
}

/** Small deterministic PRNG (mulberry32) so demo data is the same for the same symbol. */
function rng(seedText: string): () => number {
  let seed = 0;
  for (const ch of seedText) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

const INSIDERS = [
  {
    name: "DEMO Chief Executive",
    isDirector: true,
    isOfficer: true,
    officerTitle: "Chief Executive Officer",
  },
  {
    name: "DEMO Chief Financial",
    isDirector: false,
    isOfficer: true,
    officerTitle: "Chief Financial Officer",
  },
  { name: "DEMO Director One", isDirector: true, isOfficer: false, officerTitle: null },
  { name: "DEMO Director Two", isDirector: true, isOfficer: false, officerTitle: null },
  { name: "DEMO General Counsel", isDirector: false, isOfficer: true, officerTitle: "General Counsel" },
];

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A CUSIP-shaped identifier for the demo symbol (issuer `9DM` prefix, valid check digit). */
export function demoCusip(symbol: string): string {
  const body = `9DM${symbol
    .replace(/[^A-Z0-9]/g, "")
    .padEnd(3, "0")
    .slice(0, 3)}10`;
  return `${body}${cusipCheckDigit(body)}`;
}

export async function generateInstitutionalDemo(
  db: Db,
  symbol: string,
  options: { days?: number; now?: Date } = {},
): Promise<InstitutionalDemoSummary> {
  const now = options.now ?? new Date();
  const days = options.days ?? 90;
  const random = rng(`${symbol}:${now.toISOString().slice(0, 10)}`);
  const cusip = demoCusip(symbol);
  const issuerCik = String(9_000_000 + Math.floor(random() * 900_000)).padStart(10, "0");
  const price = 20 + random() * 380;
  const sharesOutstanding = Math.round((200 + random() * 4800) * 1e6);
  await upsertSecurities(
    db,
    [
      {
        symbol,
        cusip,
        name: `${symbol} DEMO INC`,
        cik: issuerCik,
        sharesOutstanding,
        sharesAsOf: addDays(now.toISOString().slice(0, 10), -60),
        source: "demo",
      },
    ],
    "demo",
    now,
  );

  // Three quarters, oldest first, each filed 20-44 days after quarter end.
  const q0 = latestCompleteQuarter(now);
  const quarters = [previousQuarterEnd(previousQuarterEnd(q0)), previousQuarterEnd(q0), q0];
  const baseShares = MANAGERS.map(() => Math.round(sharesOutstanding * (0.002 + random() * 0.06)));
  let filings13F = 0;
  let holdings13F = 0;
  for (const [qi, period] of quarters.entries()) {
    const filings = [];
    const rows = [];
    for (const [mi, manager] of MANAGERS.entries()) {
      // One manager enters late and one sells out (it still files, without this stock), so changes show
      // new and sold-out positions.
      if (mi === 10 && qi === 0) continue;
      const soldOut = mi === 11 && qi === 2;
      const drift = 1 + (random() - 0.45) * 0.2;
      baseShares[mi] = Math.max(0, Math.round((baseShares[mi] as number) * drift));
      const filerCik = String(1_100_000 + mi * 7919).padStart(10, "0");
      const accession = `${filerCik}-${period.slice(2, 4)}-${String(100 + qi * 20 + mi).padStart(6, "0")}`;
      const filedDate = addDays(period, 20 + Math.floor(random() * 24));
      const publishedAt = publishedAtOf(null, filedDate) as Date;
      if (publishedAt > now) continue;
      const shares = baseShares[mi] as number;
      const quarterPrice = price * (0.9 + random() * 0.2);
      const holding = (rowIndex: number, putCall: "Put" | "Call" | null, sh: number): ThirteenFHolding => ({
        rowIndex,
        nameOfIssuer: `${symbol} DEMO INC`,
        titleOfClass: putCall ? putCall.toUpperCase() : "COM",
        cusip,
        figi: null,
        valueAsFiled: Math.round(sh * quarterPrice),
        valueUsd: Math.round(sh * quarterPrice),
        valueUnit: "usd",
        valueUnitBasis: "filing_date",
        valueUnitSuspect: false,
        impliedPriceUsd: quarterPrice,
        sharesOrPrincipal: sh,
        sharesOrPrincipalType: "SH",
        putCall,
        investmentDiscretion: "SOLE",
        otherManager: null,
        votingSole: sh,
        votingShared: 0,
        votingNone: 0,
      });
      const own = soldOut ? [] : [holding(1, null, shares)];
      if (mi % 4 === 1 && !soldOut)
        own.push(holding(2, random() > 0.5 ? "Call" : "Put", Math.round(shares * 0.05)));
      // The rest of the manager's book, so "% of portfolio" is meaningful.
      const rest = holding(own.length + 1, null, Math.round(shares * (5 + random() * 40)));
      // A demo-only CUSIP: never a real security, so demo managers do not show up as holders of one.
      rest.cusip = demoCusip("BOOK");
      rest.nameOfIssuer = "DEMO REST OF PORTFOLIO";
      own.push(rest);
      const cover: ThirteenFCover = {
        submissionType: "13F-HR",
        filerCik,
        filerName: manager,
        periodOfReport: period,
        reportCalendarOrQuarter: period,
        reportType: "13F HOLDINGS REPORT",
        isAmendment: false,
        amendmentNo: null,
        amendmentType: null,
        form13FFileNumber: null,
        crdNumber: null,
        secFileNumber: null,
        otherManagers: [],
        otherIncludedManagersCount: 0,
        tableEntryTotal: own.length,
        tableValueTotal: own.reduce((s, h) => s + h.valueUsd, 0),
        isConfidentialOmitted: false,
        signatureName: null,
        signatureDate: filedDate,
      };
      filings.push({ source: "demo", accession, publishedAt, cover, filedDate, valueUnit: "usd" as const });
      for (const h of own)
        rows.push({ accession, filerCik, periodOfReport: period, source: "demo", publishedAt, holding: h });
    }
    filings13F += (await insert13FFilings(db, filings)).length;
    holdings13F += (await insert13FHoldings(db, rows)).length;
  }

  // Form 4: one filing per transaction day and insider, within the last `days` days.
  const insiderFilings = [];
  const insiderRows = [];
  const today = now.toISOString().slice(0, 10);
  let seq = 0;
  for (let d = days - 1; d >= 0; d--) {
    if (random() > 0.12) continue;
    const who = INSIDERS[Math.floor(random() * INSIDERS.length)] as (typeof INSIDERS)[number];
    const whoIndex = INSIDERS.indexOf(who);
    const day = addDays(today, -d);
    const acceptedDay = addDays(day, 1 + Math.floor(random() * 2));
    const publishedAt = publishedAtOf(null, acceptedDay) as Date;
    if (publishedAt > now) continue;
    const roll = random();
    const code = roll < 0.25 ? "P" : roll < 0.7 ? "S" : roll < 0.8 ? "A" : roll < 0.9 ? "M" : "F";
    const shares = Math.round(1000 + random() * 40_000);
    const px = Math.round(price * (0.95 + random() * 0.1) * 100) / 100;
    const row: Form4Row = {
      table: "nonDerivative",
      kind: "transaction",
      rowIndex: 1,
      securityTitle: "Common Stock",
      transactionDate: day,
      deemedExecutionDate: null,
      formType: "4",
      code,
      equitySwapInvolved: false,
      timeliness: null,
      shares,
      pricePerShareUsd: code === "A" ? 0 : px,
      acquiredDisposed: code === "S" || code === "F" ? "D" : "A",
      sharesOwnedAfter: 100_000 + Math.round(random() * 500_000),
      valueOwnedAfterUsd: null,
      directIndirect: "D",
      natureOfOwnership: null,
      conversionOrExercisePriceUsd: null,
      exerciseDate: null,
      expirationDate: null,
      underlyingSecurityTitle: null,
      underlyingSecurityShares: null,
      footnoteIds: code === "S" ? { transactionPricePerShare: ["F1"] } : {},
    };
    const owner = {
      cik: String(1_900_000 + whoIndex * 104_729).padStart(10, "0"),
      name: who.name,
      isDirector: who.isDirector,
      isOfficer: who.isOfficer,
      isTenPercentOwner: false,
      isOther: false,
      officerTitle: who.officerTitle,
      otherText: null,
      city: null,
      state: null,
    };
    const accession = `0009${String(issuerCik).slice(-6)}-${day.slice(2, 4)}-${String(++seq).padStart(6, "0")}`;
    const aff10b5One = code === "S" ? random() < 0.5 : false;
    const filing: Form4Filing = {
      accession,
      filedDate: acceptedDay,
      acceptedAt: null,
      schemaVersion: "X0508",
      documentType: "4",
      periodOfReport: day,
      dateOfOriginalSubmission: null,
      notSubjectToSection16: false,
      aff10b5One,
      issuerCik,
      issuerName: `${symbol} DEMO INC`,
      issuerTradingSymbol: symbol,
      reportingOwners: [owner],
      rows: [row],
      footnotes:
        code === "S" ? { F1: "Weighted-average price of sales in multiple transactions (demo)." } : {},
      remarks: null,
      signatureName: `/s/ ${who.name}`,
      signatureDate: acceptedDay,
    };
    insiderFilings.push({ source: "demo", accession, publishedAt, filing });
    insiderRows.push({
      accession,
      issuerCik,
      issuerSymbol: symbol,
      aff10b5One,
      owner: { cik: owner.cik, name: owner.name, roles: rolesOf(owner), officerTitle: owner.officerTitle },
      source: "demo",
      publishedAt,
      row,
    });
  }
  const newInsiderFilings = await insertInsiderFilings(db, insiderFilings);
  await touchSymbols(db, [symbol], "institutional");
  const newInsiderRows = await insertInsiderRows(db, insiderRows);
  return {
    symbol,
    cusip,
    filings_13f: filings13F,
    holdings_13f: holdings13F,
    insider_filings: newInsiderFilings.length,
    insider_transactions: newInsiderRows.length,
  };
}
