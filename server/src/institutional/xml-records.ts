import { etWallTimeToUtc } from "../lib/et-time";
import type { XmlHandler } from "./safe-xml";

/**
 * One repeated element of a filing (`infoTable`, `nonDerivativeTransaction`, `reportingOwner`...)
 * flattened to `relative/path -> text` with footnote references kept beside the field they annotate.
 * Form 4 writes `<transactionPricePerShare><value>150.841</value><footnoteId id="F3"/></...>`: the
 * value lands at `transactionAmounts/transactionPricePerShare/value` and `F3` under
 * `transactionAmounts/transactionPricePerShare` (the field, not the `value` wrapper).
 */
export interface XmlRecord {
  /** Local name of the record element. */
  name: string;
  /** Attributes of the record element itself (e.g. `id` of a Form 4 `footnote`). */
  attributes: Record<string, string>;
  fields: Map<string, string>;
  footnotes: Map<string, string[]>;
  /** Path of the record element from the document root, for located errors. */
  path: string;
  /** 1-based position among records of the same name in this document. */
  index: number;
}

interface Frame {
  record: XmlRecord;
  /** Relative path of each open element below the record element, innermost last. */
  relPaths: string[];
}

/**
 * Collects records of the given local names out of a `SafeXmlReader` event stream. Nested record
 * elements become records of their own (an `otherManager` inside `otherManager2`); the enclosing
 * record does not see their fields. Whitespace-only text is ignored; text is trimmed.
 */
export class RecordCollector implements XmlHandler {
  private readonly frames: Frame[] = [];
  private readonly openPath: string[] = [];
  private readonly counts = new Map<string, number>();
  private buffered = "";
  /** `parent` -> `name` -> `parent/name`: field paths repeat for every row, so each is built once. */
  private readonly joined = new Map<string, Map<string, string>>();

  constructor(
    /** Record element names, or a predicate given the enclosing record's name (same local name, different role). */
    private readonly recordNames:
      | ReadonlySet<string>
      | ((name: string, enclosing: string | undefined) => boolean),
    private readonly emit: (record: XmlRecord) => void,
  ) {}

  open(name: string, attributes: Record<string, string>): void {
    this.buffered = "";
    const enclosing = this.frames[this.frames.length - 1]?.record.name;
    const isRecord =
      typeof this.recordNames === "function" ? this.recordNames(name, enclosing) : this.recordNames.has(name);
    if (isRecord) {
      const index = (this.counts.get(name) ?? 0) + 1;
      this.counts.set(name, index);
      this.openPath.push(name);
      this.frames.push({
        record: {
          name,
          attributes,
          fields: new Map(),
          footnotes: new Map(),
          path: `${this.openPath.join("/")}[${index}]`,
          index,
        },
        relPaths: [],
      });
      return;
    }
    this.openPath.push(name);
    const frame = this.frames[this.frames.length - 1];
    if (!frame) return;
    const parent = frame.relPaths[frame.relPaths.length - 1];
    if (name === "footnoteId") {
      const id = attributes.id;
      const field = parent ?? "";
      if (id !== undefined) {
        const list = frame.record.footnotes.get(field);
        if (list) list.push(id);
        else frame.record.footnotes.set(field, [id]);
      }
    }
    frame.relPaths.push(parent === undefined ? name : this.join(parent, name));
  }

  private join(parent: string, name: string): string {
    let children = this.joined.get(parent);
    if (!children) {
      children = new Map();
      // Bounded: a hostile document with endless distinct names gets fresh strings, not a growing cache.
      if (this.joined.size < 1024) this.joined.set(parent, children);
    }
    let path = children.get(name);
    if (path === undefined) {
      path = `${parent}/${name}`;
      if (children.size < 1024) children.set(name, path);
    }
    return path;
  }

  text(text: string): void {
    if (this.frames.length > 0) this.buffered += text;
  }

  close(name: string): void {
    this.openPath.pop();
    const frame = this.frames[this.frames.length - 1];
    if (!frame) return;
    const rel = frame.relPaths.pop();
    if (rel === undefined) {
      // The record element itself closes.
      const value = this.buffered.trim();
      if (value !== "") frame.record.fields.set("", value);
      this.frames.pop();
      this.buffered = "";
      this.emit(frame.record);
      return;
    }
    if (this.buffered.length > 0) {
      const value = this.buffered.trim();
      if (value !== "") frame.record.fields.set(rel, value);
    }
    this.buffered = "";
    void name;
  }
}

/** `0`/`1`, `true`/`false` (and legacy `Y`/`N`, `yes`/`no`): EDGAR writes flags all these ways. */
export function parseFlag(raw: string | undefined): boolean | null {
  if (raw === undefined) return null;
  const v = raw.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "y" || v === "yes") return true;
  if (v === "0" || v === "false" || v === "n" || v === "no") return false;
  return null;
}

/** A finite number or null; commas are tolerated because some filers type them. */
export function parseNumber(raw: string | undefined): number | null {
  if (raw === undefined || raw === "") return null;
  const n = Number(raw.replaceAll(",", ""));
  return Number.isFinite(n) ? n : null;
}

/** `MM-DD-YYYY` (13F cover pages) -> `YYYY-MM-DD`; passes `YYYY-MM-DD` through; null otherwise. */
export function isoDateFromUs(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const us = /^(\d{2})-(\d{2})-(\d{4})$/.exec(raw.trim());
  if (us) return `${us[3]}-${us[1]}-${us[2]}`;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim());
  return iso ? iso[0] : null;
}

const MONTHS: Record<string, string> = {
  JAN: "01",
  FEB: "02",
  MAR: "03",
  APR: "04",
  MAY: "05",
  JUN: "06",
  JUL: "07",
  AUG: "08",
  SEP: "09",
  OCT: "10",
  NOV: "11",
  DEC: "12",
};

/** `31-DEC-2023` (SEC structured data sets) -> `2023-12-31`; also accepts ISO and `YYYYMMDD`. */
export function isoDateFromSec(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(v);
  if (m) {
    const month = MONTHS[(m[2] as string).toUpperCase()];
    return month ? `${m[3]}-${month}-${(m[1] as string).padStart(2, "0")}` : null;
  }
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  return isoDateFromUs(v);
}

/** A wall-clock time in New York (EDGAR's clock), `HH:MM:SS`, as a UTC `Date`. */
export function easternToUtc(isoDate: string, hhmmss = "23:59:59"): Date {
  const [h, mi, s] = hhmmss.split(":").map(Number) as [number, number, number];
  return new Date(etWallTimeToUtc(isoDate, h, mi).getTime() + s * 1000);
}
