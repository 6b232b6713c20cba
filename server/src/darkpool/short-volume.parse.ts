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

const CURRENT_HEADER = "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market";
const PRE2011_HEADER = "Date|Symbol|ShortVolume|TotalVolume|Market";
type Layout = "current" | "pre2011";

/** Per-file state: the layout once the header is read, and the caches every row of a file shares. */
class ShortVolumeFile {
  layout: Layout | null = null;
  records = 0;
  trailer: { count: number; line: number } | null = null;
  lastLine = 0;
  readonly fileFacility: RegShoFacility | null;
  private readonly publishedAtByDay = new Map<string, Date>();
  private lastDateText = "";
  private lastDay: string | null = null;

  constructor(readonly sourceName: string) {
    this.fileFacility = facilityFromFileName(sourceName);
  }

  /** Every row of a file has the same date: validated once. */
  dayOf(dateText: string): string | null {
    if (dateText !== this.lastDateText) {
      this.lastDateText = dateText;
      this.lastDay = isoDateOf(dateText);
    }
    return this.lastDay;
  }

  publishedAtOf(day: string): Date {
    let publishedAt = this.publishedAtByDay.get(day);
    if (publishedAt === undefined) {
      publishedAt = etWallTimeToUtc(day, 18);
      this.publishedAtByDay.set(day, publishedAt);
    }
    return publishedAt;
  }
}

/** The header line -> the layout, or the located error that ends the file. */
function readHeader(file: ShortVolumeFile, text: string, at: Location): Parsed<ShortVolumeRecord> | null {
  const header = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).trim();
  if (header === CURRENT_HEADER) file.layout = "current";
  else if (header === PRE2011_HEADER) file.layout = "pre2011";
  else return parsedError(at, `not a Reg SHO daily file header: "${header.slice(0, 80)}"`);
  return null;
}

const fieldError = (at: Location, field: string, message: string): Parsed<ShortVolumeRecord> =>
  parsedError({ ...at, element: field }, `${field}: ${message}`);

/** A volume column: a non-negative number (FINRA may write 6 decimals), or NaN. */
const volumeOf = (text: string): number => {
  const value = parseDecimal(text);
  return value >= 0 ? value : Number.NaN;
};

/** The three volume columns (short exempt only in the current layout), or the error for the first bad one. */
function readVolumes(
  fields: string[],
  layout: Layout,
  at: Location,
): Pick<ShortVolumeRecord, "shortVolume" | "shortExemptVolume" | "totalVolume"> | Parsed<ShortVolumeRecord> {
  const shortText = fields[2] as string;
  const shortVolume = volumeOf(shortText);
  if (Number.isNaN(shortVolume)) {
    return fieldError(at, "ShortVolume", `"${shortText}" is not a non-negative number`);
  }
  let shortExemptVolume: number | null = null;
  if (layout === "current") {
    const exemptText = fields[3] as string;
    shortExemptVolume = volumeOf(exemptText);
    if (Number.isNaN(shortExemptVolume)) {
      return fieldError(at, "ShortExemptVolume", `"${exemptText}" is not a non-negative number`);
    }
  }
  const totalText = fields[fields.length - 2] as string;
  const totalVolume = volumeOf(totalText);
  if (Number.isNaN(totalVolume)) {
    return fieldError(at, "TotalVolume", `"${totalText}" is not a non-negative number`);
  }
  return { shortVolume, shortExemptVolume, totalVolume };
}

/** One record line -> record or located error. */
function parseRow(
  file: ShortVolumeFile,
  layout: Layout,
  text: string,
  at: Location,
): Parsed<ShortVolumeRecord> {
  const fields = text.split("|");
  const expected = layout === "current" ? 6 : 5;
  if (fields.length !== expected)
    return parsedError(at, `expected ${expected} fields, found ${fields.length}`);
  const day = file.dayOf(fields[0] as string);
  if (day === null) return fieldError(at, "Date", `"${fields[0]}" is not a YYYYMMDD date`);
  // FINRA writes class shares `BRK/B` and CQS suffixes `AAICpB`: stored canonical (`BRK.B`, `AAIC.PRB`).
  const symbolOf = canonicalSymbol(fields[1] as string);
  if (!symbolOf.ok) return fieldError(at, "Symbol", symbolOf.message);
  const volumes = readVolumes(fields, layout, at);
  if ("ok" in volumes) return volumes;
  const market = (fields[expected - 1] as string).trim();
  const facility = file.fileFacility ?? (market.includes(",") ? "CNMS" : FACILITY_OF_MARKET[market]);
  if (facility === undefined) {
    return fieldError(
      at,
      "Market",
      `"${market}" is not a known facility code and the file name has no prefix`,
    );
  }
  return parsedOk<ShortVolumeRecord>(
    {
      day,
      symbol: symbolOf.symbol,
      facility,
      market,
      shortVolume: volumes.shortVolume,
      shortExemptVolume: volumes.shortExemptVolume,
      totalVolume: volumes.totalVolume,
      source: "finra_regsho",
      sourceRef: `${file.sourceName}:${at.line}`,
      publishedAt: file.publishedAtOf(day),
    },
    at,
  );
}

/** The end-of-file check: a header was read, and the trailer's count matches the records read. */
function checkEnd(file: ShortVolumeFile): Parsed<ShortVolumeRecord> | null {
  const { sourceName, trailer, records } = file;
  if (file.layout === null) return parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
  if (trailer === null) {
    return parsedError(
      { source: sourceName, line: file.lastLine },
      `no record-count trailer after ${records} records (truncated file?)`,
    );
  }
  if (trailer.count !== records) {
    return parsedError(
      { source: sourceName, line: trailer.line },
      `trailer says ${trailer.count} records, file holds ${records} (truncated or damaged file)`,
    );
  }
  return null;
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
  const file = new ShortVolumeFile(opts.sourceName);
  for await (const { text, line } of readLines(source, file.sourceName)) {
    file.lastLine = line;
    const at: Location = { source: file.sourceName, line };
    if (file.layout === null) {
      const headerError = readHeader(file, text, at);
      if (headerError !== null) {
        yield headerError;
        return;
      }
      continue;
    }
    if (text.length === 0) continue;
    if (file.trailer !== null) {
      yield parsedError(at, `data after the trailer line ${file.trailer.line}`);
      continue;
    }
    if (text.indexOf("|") === -1) {
      if (isDigits(text.trim())) file.trailer = { count: Number(text.trim()), line };
      else yield parsedError(at, `neither a record nor a record-count trailer: "${text.slice(0, 80)}"`);
      continue;
    }
    file.records++;
    yield parseRow(file, file.layout, text, at);
  }
  const endError = checkEnd(file);
  if (endError !== null) yield endError;
}
