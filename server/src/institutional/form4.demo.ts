/**
 * Demo Form 4 filings of five insiders, with the transaction codes and 10b5-1 flags real filings carry,
 * priced off the symbol's demo price path (feeds/demo-path.ts). Each transaction day is drawn from the
 * symbol and the day alone, so a later run reproduces the same past filings and stores nothing new.
 */
import type { Db } from "@smt/db";
import { demoClose, tradingDayOnOrBefore, unitHash } from "../feeds/demo-path";
import { rng } from "../feeds/market-model";
import { addDays, etDateOf } from "../lib/et-time";
import { isTradingDay } from "../lib/trading-calendar";
import type { Form4Filing, Form4Row } from "./form4.parse";
import {
  type InsiderFilingRow,
  type InsiderRow,
  insertInsiderFilings,
  insertInsiderRows,
  rolesOf,
} from "./insider.store";
import { publishedAtOf } from "./institutional.ingest";

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
] as const;

export interface DemoIssuer {
  symbol: string;
  issuerCik: string;
}

/** Transaction code mix of a large issuer: mostly sales (often planned), some buys, grants, exercises. */
function codeOf(roll: number): string {
  return roll < 0.25 ? "P" : roll < 0.7 ? "S" : roll < 0.8 ? "A" : roll < 0.9 ? "M" : "F";
}

function demoForm4Row(
  day: string,
  code: string,
  shares: number,
  priceUsd: number,
  ownedAfter: number,
): Form4Row {
  return {
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
    pricePerShareUsd: code === "A" ? 0 : priceUsd,
    acquiredDisposed: code === "S" || code === "F" ? "D" : "A",
    sharesOwnedAfter: ownedAfter,
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
}

/** The filing and stored row of one insider transaction on `day`, or null when none happened that day. */
function demoForm4(issuer: DemoIssuer, day: string): { filing: InsiderFilingRow; row: InsiderRow } | null {
  const random = rng((unitHash(`${issuer.symbol}:form4:${day}`) * 4294967296) >>> 0);
  if (random() > 0.12) return null;
  const whoIndex = Math.floor(random() * INSIDERS.length);
  const who = INSIDERS[whoIndex] as (typeof INSIDERS)[number];
  const acceptedDay = addDays(day, 1 + Math.floor(random() * 2));
  const publishedAt = publishedAtOf(null, acceptedDay) as Date;
  const code = codeOf(random());
  const shares = Math.round(1000 + random() * 40_000);
  // Insiders trade within the day's range: the path's close +-1%.
  const px =
    Math.round(demoClose(issuer.symbol, tradingDayOnOrBefore(day)) * (0.99 + random() * 0.02) * 100) / 100;
  const row = demoForm4Row(day, code, shares, px, 100_000 + Math.round(random() * 500_000));
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
  const dayOfYear = Math.round((Date.parse(day) - Date.parse(`${day.slice(0, 4)}-01-01`)) / 86_400_000) + 1;
  const accession = `0009${issuer.issuerCik.slice(-6)}-${day.slice(2, 4)}-${String(dayOfYear).padStart(6, "0")}`;
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
    issuerCik: issuer.issuerCik,
    issuerName: `${issuer.symbol} DEMO INC`,
    issuerTradingSymbol: issuer.symbol,
    reportingOwners: [owner],
    rows: [row],
    footnotes: code === "S" ? { F1: "Weighted-average price of sales in multiple transactions (demo)." } : {},
    remarks: null,
    signatureName: `/s/ ${who.name}`,
    signatureDate: acceptedDay,
  };
  return {
    filing: { source: "demo", accession, publishedAt, filing },
    row: {
      accession,
      issuerCik: issuer.issuerCik,
      issuerSymbol: issuer.symbol,
      aff10b5One,
      owner: { cik: owner.cik, name: owner.name, roles: rolesOf(owner), officerTitle: owner.officerTitle },
      source: "demo",
      publishedAt,
      row,
    },
  };
}

/** Form 4s for the trading days of the last `days` days whose filings were published by `now`. */
export async function generateForm4Demo(
  db: Db,
  issuer: DemoIssuer,
  days: number,
  now: Date,
): Promise<{ filings: number; transactions: number }> {
  const filings: InsiderFilingRow[] = [];
  const rows: InsiderRow[] = [];
  const today = etDateOf(now.getTime());
  for (let d = days - 1; d >= 0; d--) {
    const day = addDays(today, -d);
    if (!isTradingDay(day)) continue;
    const f = demoForm4(issuer, day);
    if (f === null || f.filing.publishedAt > now) continue;
    filings.push(f.filing);
    rows.push(f.row);
  }
  const newFilings = await insertInsiderFilings(db, filings);
  const newRows = await insertInsiderRows(db, rows);
  return { filings: newFilings.length, transactions: newRows.length };
}
