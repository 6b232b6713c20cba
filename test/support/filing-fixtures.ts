/**
 * Filings and files for the filing-alert tests, made from the real samples in `test/fixtures` by changing
 * only the fields a test needs (the wrappers, layouts and every other field stay as EDGAR / FINRA wrote
 * them), and an independent reading of the FINRA files to compute what the spike rule should find.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { secFixture } from "./sec-fixtures";

const AIR = "0001127602-25-001055_AIR_form4_full_submission.txt";
const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";

export interface Purchase {
  accession: string;
  ownerCik: string;
  ownerName: string;
  /** YYYY-MM-DD */
  date: string;
  shares: number;
  price: number;
  /** EDGAR `<ACCEPTANCE-DATETIME>`, New York clock: YYYYMMDDhhmmss. */
  acceptance: string;
}

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === "string" ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`fixture edit did not apply: ${from}`);
  return text.replace(from, to);
}

/**
 * AAR CORP's real Form 4 submission (an officer's sale, `.txt` archive wrapper) turned into an open-market
 * purchase (code P, acquired) by another reporting owner, on another date, size and price.
 */
export function airPurchase(p: Purchase): string {
  let t = readFileSync(secFixture(AIR), "utf8");
  t = t.replaceAll("0001127602-25-001055", p.accession);
  t = replaceOnce(t, "<ACCEPTANCE-DATETIME>20250110160730", `<ACCEPTANCE-DATETIME>${p.acceptance}`);
  t = t.replaceAll("0001806647", p.ownerCik).replaceAll("Garascia Jessica A.", p.ownerName);
  t = t.replaceAll("<value>2025-01-10</value>", `<value>${p.date}</value>`);
  t = replaceOnce(
    t,
    "<periodOfReport>2025-01-10</periodOfReport>",
    `<periodOfReport>${p.date}</periodOfReport>`,
  );
  t = replaceOnce(t, "<transactionCode>S</transactionCode>", "<transactionCode>P</transactionCode>");
  t = replaceOnce(t, /(<transactionAcquiredDisposedCode>\s*<value>)D(<\/value>)/, "$1A$2");
  t = replaceOnce(t, "<value>1500</value>", `<value>${p.shares}</value>`);
  return replaceOnce(t, "<value>66.903</value>", `<value>${p.price}</value>`);
}

/** The infoTable entries of a 13F information table, as filed. */
const infoTables = (text: string): string[] => text.match(/<ns1:infoTable>[\s\S]*?<\/ns1:infoTable>/g) ?? [];

/** An infoTable entry in Acorn Creek's layout. */
export function infoTable(name: string, cusip: string, value: number, shares: number): string {
  return `<ns1:infoTable>                <ns1:nameOfIssuer>${name}</ns1:nameOfIssuer>                <ns1:titleOfClass>COM</ns1:titleOfClass>                <ns1:cusip>${cusip}</ns1:cusip>                <ns1:value>${value}</ns1:value>                <ns1:shrsOrPrnAmt>                    <ns1:sshPrnamt>${shares}</ns1:sshPrnamt>                    <ns1:sshPrnamtType>SH</ns1:sshPrnamtType>                </ns1:shrsOrPrnAmt>                                <ns1:investmentDiscretion>SOLE</ns1:investmentDiscretion>                                <ns1:votingAuthority>                    <ns1:Sole>0</ns1:Sole>                    <ns1:Shared>0</ns1:Shared>                    <ns1:None>${shares}</ns1:None>                </ns1:votingAuthority>            </ns1:infoTable>`;
}

export const ACORN_Q4_FILE = secFixture(ACORN);
export const ACORN_Q4_ACCESSION = "0001951757-25-000093";
export const ACORN_CIK = "0001994827";

/** `{cusip, value}` of each entry of Acorn Creek's real Q4 2024 information table. */
export function acornQ4Holdings(): { cusip: string; value: number }[] {
  return infoTables(readFileSync(ACORN_Q4_FILE, "utf8")).map((e) => ({
    cusip: (e.match(/<ns1:cusip>([^<]+)/) as RegExpMatchArray)[1] as string,
    value: Number((e.match(/<ns1:value>([^<]+)/) as RegExpMatchArray)[1]),
  }));
}

/**
 * Acorn Creek's Q4 2024 submission made into its Q3 2024 report (another accession, period and filing
 * date): without the entries of `dropCusips` (new in Q4) and with `extra` entries (sold out by Q4).
 */
export function acornQ3(accession: string, dropCusips: string[], extra: string[]): string {
  let t = readFileSync(ACORN_Q4_FILE, "utf8");
  t = t.replaceAll(ACORN_Q4_ACCESSION, accession);
  t = replaceOnce(t, "<PERIOD>20241231", "<PERIOD>20240930");
  t = replaceOnce(t, "<FILING-DATE>20250122", "<FILING-DATE>20241022");
  t = t.replaceAll("12-31-2024", "09-30-2024");
  for (const entry of infoTables(t))
    if (dropCusips.some((c) => entry.includes(`>${c}<`))) t = t.replace(entry, "");
  const entries = infoTables(t).length + extra.length;
  t = replaceOnce(
    t,
    "<tableEntryTotal>77</tableEntryTotal>",
    `<tableEntryTotal>${entries}</tableEntryTotal>`,
  );
  return replaceOnce(t, "</ns1:informationTable>", `${extra.join("")}</ns1:informationTable>`);
}

export const finraFixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/finra/${name}`, import.meta.url));

/** symbol -> [short volume, total volume] of one FINRA file, read without the project's parser. */
export function regShoFigures(name: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const line of readFileSync(finraFixture(name), "utf8").split("\n")) {
    const f = line.trim().split("|");
    if (f.length < 6 || !/^\d{8}$/.test(f[0] as string)) continue;
    out.set(f[1] as string, [Number(f[2]), Number(f[4])]);
  }
  return out;
}
