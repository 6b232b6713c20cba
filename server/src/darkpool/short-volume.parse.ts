import type { schema } from "@smt/db";
import { etWallTimeToUtc } from "../lib/et-time";
import { baseName, isDigits, parseDecimal } from "../lib/fields";
import { type ByteSource, readLines } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";

export type ShortVolumeRecord = typeof schema.shortVolume.$inferInsert;

/**
 * FINRA Reg SHO daily short sale volume files (`https://cdn.finra.org/equity/regsho/daily/{PREFIX}shvol{YYYYMMDD}.txt`,
 * layout: FINRA "Daily Short Sale Volume File Layout"). Pipe-delimited, a header, one row per symbol and a
 * trailer line holding the record count. Since 2011-02-28: `Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market`;
 * before: `Date|Symbol|ShortVolume|TotalVolume|Market`. Volumes may carry 6 decimals (fractional shares).
 * `TotalVolume` is the volume reported to that facility (off-exchange only), never consolidated volume.
 */

/** File-name prefixes: CNMS consolidated NMS (all TRFs + ADF), FNSQ Nasdaq TRF Carteret, FNQC Nasdaq TRF Chicago, FNYX NYSE TRF, FNRA ADF, FORF ORF (OTC). */
export const REGSHO_FACILITIES = ["CNMS", "FNSQ", "FNQC", "FNYX", "FNRA", "FORF"] as const;
export type RegShoFacility = (typeof REGSHO_FACILITIES)[number];

/** `Market` code of a single-facility file -> facility. A comma list (`B,Q,N`) is the consolidated file. */
const FACILITY_OF_MARKET: Record<string, RegShoFacility> = {
  Q: "FNSQ",
  B: "FNQC",
  N: "FNYX",
  D: "FNRA",
  O: "FORF",
};

export interface ShortVolumeOptions {
  /** File name (the facility and date may come from it) or upload name. */
  sourceName: string;
}

/** Facility from a file name such as `CNMSshvol20210104.txt`, or null when it has no known prefix. */
export function facilityFromFileName(name: string): RegShoFacility | null {
  const prefix = baseName(name).slice(0, 4).toUpperCase();
  return (REGSHO_FACILITIES as readonly string[]).includes(prefix) ? (prefix as RegShoFacility) : null;
}

/** `YYYYMMDD` -> `YYYY-MM-DD` when it is a real date, else null. */
function isoDateOf(yyyymmdd: string): string | null {
  if (yyyymmdd.length !== 8 || !isDigits(yyyymmdd)) return null;
  const iso = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(iso) ? iso : null;
}

/**
 * Parses one Reg SHO daily file. Checks the trailer count against the records read (a mismatch or a missing
 * trailer is a located error: the file was truncated). `publishedAt` is 18:00 New York time on the trade
 * date: FINRA posts the files "no later than 6:00 p.m. ET" on the trade date (FINRA Daily Short Sale Volume
 * Files page); files dated before ~2021 were re-uploaded later, so that is the earliest possible time.
 */
export async function* parseShortVolume(
  source: ByteSource,
  opts: ShortVolumeOptions,
): AsyncGenerator<Parsed<ShortVolumeRecord>> {
  const sourceName = opts.sourceName;
  const fileFacility = facilityFromFileName(sourceName);
  let layout: "current" | "pre2011" | null = null;
  let records = 0;
  let trailer: { count: number; line: number } | null = null;
  let lastLine = 0;
  const publishedAtByDay = new Map<string, Date>();
  let lastDateText = "";
  let lastDay: string | null = null;

  for await (const { text, line } of readLines(source, sourceName)) {
    lastLine = line;
    const at: Location = { source: sourceName, line };
    if (layout === null) {
      const header = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).trim();
      if (header === "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market") layout = "current";
      else if (header === "Date|Symbol|ShortVolume|TotalVolume|Market") layout = "pre2011";
      else {
        yield parsedError(at, `not a Reg SHO daily file header: "${header.slice(0, 80)}"`);
        return;
      }
      continue;
    }
    if (text.length === 0) continue;
    if (trailer !== null) {
      yield parsedError(at, `data after the trailer line ${trailer.line}`);
      continue;
    }
    if (text.indexOf("|") === -1) {
      if (isDigits(text.trim())) trailer = { count: Number(text.trim()), line };
      else yield parsedError(at, `neither a record nor a record-count trailer: "${text.slice(0, 80)}"`);
      continue;
    }
    records++;
    const fields = text.split("|");
    const expected = layout === "current" ? 6 : 5;
    if (fields.length !== expected) {
      yield parsedError(at, `expected ${expected} fields, found ${fields.length}`);
      continue;
    }
    const fail = (field: string, message: string): Parsed<ShortVolumeRecord> =>
      parsedError({ ...at, element: field }, `${field}: ${message}`);
    // Every row of a file has the same date: validate it once.
    const dateText = fields[0] as string;
    if (dateText !== lastDateText) {
      lastDateText = dateText;
      lastDay = isoDateOf(dateText);
    }
    const day = lastDay;
    if (day === null) {
      yield fail("Date", `"${fields[0]}" is not a YYYYMMDD date`);
      continue;
    }
    // FINRA writes class shares `BRK/B` and CQS suffixes `AAICpB`: stored canonical (`BRK.B`, `AAIC.PRB`).
    const symbolOf = canonicalSymbol(fields[1] as string);
    if (!symbolOf.ok) {
      yield fail("Symbol", symbolOf.message);
      continue;
    }
    const symbol = symbolOf.symbol;
    const shortText = fields[2] as string;
    const shortVolume = parseDecimal(shortText);
    if (!(shortVolume >= 0)) {
      yield fail("ShortVolume", `"${shortText}" is not a non-negative number`);
      continue;
    }
    let shortExemptVolume: number | null = null;
    if (layout === "current") {
      const exemptText = fields[3] as string;
      shortExemptVolume = parseDecimal(exemptText);
      if (!(shortExemptVolume >= 0)) {
        yield fail("ShortExemptVolume", `"${exemptText}" is not a non-negative number`);
        continue;
      }
    }
    const totalText = fields[expected - 2] as string;
    const totalVolume = parseDecimal(totalText);
    if (!(totalVolume >= 0)) {
      yield fail("TotalVolume", `"${totalText}" is not a non-negative number`);
      continue;
    }
    const market = (fields[expected - 1] as string).trim();
    const facility = fileFacility ?? (market.includes(",") ? "CNMS" : FACILITY_OF_MARKET[market]);
    if (facility === undefined) {
      yield fail("Market", `"${market}" is not a known facility code and the file name has no prefix`);
      continue;
    }
    let publishedAt = publishedAtByDay.get(day);
    if (publishedAt === undefined) {
      publishedAt = etWallTimeToUtc(day, 18);
      publishedAtByDay.set(day, publishedAt);
    }
    yield parsedOk<ShortVolumeRecord>(
      {
        day,
        symbol,
        facility,
        market,
        shortVolume,
        shortExemptVolume,
        totalVolume,
        source: "finra_regsho",
        sourceRef: `${sourceName}:${line}`,
        publishedAt,
      },
      at,
    );
  }
  if (layout === null) {
    yield parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
  } else if (trailer === null) {
    yield parsedError(
      { source: sourceName, line: lastLine },
      `no record-count trailer after ${records} records (truncated file?)`,
    );
  } else if (trailer.count !== records) {
    yield parsedError(
      { source: sourceName, line: trailer.line },
      `trailer says ${trailer.count} records, file holds ${records} (truncated or damaged file)`,
    );
  }
}
