/**
 * EDGAR's latest-filings Atom feed (`/cgi-bin/browse-edgar?action=getcurrent&type=4&output=atom`), read
 * as untrusted input. An entry looks like:
 *
 *   <entry>
 *     <title>4 - Garascia Jessica A. (0001806647) (Reporting)</title>
 *     <link rel="alternate" type="text/html" href="https://www.sec.gov/Archives/edgar/data/1806647/000112760225001055/0001127602-25-001055-index.htm"/>
 *     <summary type="html"> &lt;b&gt;Filed:&lt;/b&gt; 2025-01-10 &lt;b&gt;AccNo:&lt;/b&gt; 0001127602-25-001055 &lt;b&gt;Size:&lt;/b&gt; 9 KB</summary>
 *     <updated>2025-01-10T16:07:30-05:00</updated>
 *     <category scheme="https://www.sec.gov/" label="form type" term="4"/>
 *     <id>urn:tag:sec.gov,2008:accession-number=0001127602-25-001055</id>
 *   </entry>
 *
 * A Form 4 is listed twice, once under the reporting owner and once under the issuer (same accession).
 * `updated` is the acceptance time. Only the accession (from `id`) and the CIK (from `title`) are ever used
 * to build a URL, after checking their shape; `link` is never followed, so an entry cannot point the
 * server at another host or path. An entry that fails a check is reported as malformed and skipped.
 */
import { AppError } from "../errors";
import { isAccession, isCik } from "../institutional/edgar.client";
import { SafeXmlReader, type XmlHandler } from "../institutional/safe-xml";

export interface FeedEntry {
  accession: string;
  /** `4`, `4/A`, `13F-HR`, ... as EDGAR writes it. */
  form: string;
  /** The CIK the entry is listed under (digits, no padding): owner, issuer or filer. */
  cik: string;
  name: string;
  /** `Reporting`, `Issuer`, `Filer`, ... */
  role: string | null;
  /** Filing date (`Filed:` in the summary), YYYY-MM-DD. */
  filedDate: string | null;
  /** EDGAR acceptance time (`updated`). */
  acceptedAt: Date | null;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** Entries refused, with why (at most `MAX_REPORTED`). */
  malformed: { index: number; reason: string }[];
  malformedCount: number;
  /** `<entry>` elements in the page. */
  total: number;
}

/** A page asks for at most 100 entries; a page with more is refused whole. */
export const MAX_FEED_ENTRIES = 1000;
const MAX_REPORTED = 20;
/** No field of a real entry comes near this; a longer one is refused by the reader. */
const FEED_XML_LIMITS = { maxDepth: 16, maxTextChars: 16 * 1024, maxNumericRefs: 256 };

interface RawEntry {
  title: string;
  summary: string;
  updated: string;
  id: string;
  term: string | null;
}

const TITLE = /^(\S{1,20}) - (.{1,300}) \((\d{1,10})\) \(([A-Za-z ]{1,30})\)$/;
const ID = /^urn:tag:sec\.gov,2008:accession-number=(\d{10}-\d{2}-\d{6})$/;
const FILED = /Filed:\s*(?:<\/b>)?\s*(\d{4}-\d{2}-\d{2})/;
const ACC_NO = /AccNo:\s*(?:<\/b>)?\s*(\S+)/;
const UPDATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Collects the fields of each `feed/entry` (the root is depth 1, an entry 2, its fields 3). */
class EntryCollector implements XmlHandler {
  readonly entries: RawEntry[] = [];
  private current: RawEntry | null = null;
  private field: keyof RawEntry | null = null;

  open(name: string, attributes: Record<string, string>, depth: number): void {
    if (name === "entry" && depth === 2) {
      if (this.entries.length >= MAX_FEED_ENTRIES) {
        throw new AppError("PAYLOAD_TOO_LARGE", `feed page holds more than ${MAX_FEED_ENTRIES} entries`);
      }
      this.current = { title: "", summary: "", updated: "", id: "", term: null };
      return;
    }
    if (!this.current || depth !== 3) return;
    if (name === "category") this.current.term = attributes.term ?? null;
    else if (name === "title" || name === "summary" || name === "updated" || name === "id") this.field = name;
  }

  text(text: string): void {
    if (this.current && this.field) this.current[this.field] += text;
  }

  close(name: string, depth: number): void {
    if (name === "entry" && depth === 2 && this.current) {
      this.entries.push(this.current);
      this.current = null;
    }
    if (depth === 3) this.field = null;
  }
}

/** Checks one entry; a reason string when it cannot be used. */
function toEntry(raw: RawEntry): FeedEntry | string {
  const id = ID.exec(raw.id.trim());
  if (!id) return `id "${raw.id.trim().slice(0, 80)}" is not an EDGAR accession-number tag`;
  const accession = id[1] as string;
  const title = TITLE.exec(raw.title.trim().replace(/\s+/g, " "));
  if (!title) return `title "${raw.title.trim().slice(0, 80)}" is not "FORM - NAME (CIK) (ROLE)"`;
  const [, form, name, cik, role] = title as unknown as [string, string, string, string, string];
  if (!isAccession(accession) || !isCik(cik)) return "accession or CIK out of shape";
  if (raw.term !== null && raw.term.trim() !== form) {
    return `form ${JSON.stringify(raw.term.slice(0, 20))} in category differs from ${form} in title`;
  }
  const accNo = ACC_NO.exec(raw.summary);
  if (accNo && accNo[1] !== accession)
    return `summary AccNo ${accNo[1]?.slice(0, 30)} differs from id ${accession}`;
  const updated = raw.updated.trim();
  const acceptedAt = UPDATED.test(updated) ? new Date(updated) : null;
  return {
    accession,
    form,
    cik,
    name,
    role,
    filedDate: FILED.exec(raw.summary)?.[1] ?? null,
    acceptedAt: acceptedAt && Number.isFinite(acceptedAt.getTime()) ? acceptedAt : null,
  };
}

/**
 * Parses one feed page. A document that is not well-formed XML, unsafe or too large throws (the whole
 * page is unusable); a bad entry inside a good page is counted in `malformed` and skipped.
 */
export function parseCurrentFeed(body: Buffer, name: string): FeedPage {
  // EDGAR declares ISO-8859-1; owner names carry accents.
  const head = body.subarray(0, 200).toString("latin1");
  const latin1 = /encoding=["']ISO-8859-1["']/i.test(head);
  const collector = new EntryCollector();
  // The body is already size-limited by the fetch; Latin-1 text takes up to 2 bytes a character in UTF-8.
  const reader = new SafeXmlReader(collector, name, { ...FEED_XML_LIMITS, maxBytes: 2 * body.length + 1 });
  reader.write(body.toString(latin1 ? "latin1" : "utf8"));
  reader.close();
  const page: FeedPage = { entries: [], malformed: [], malformedCount: 0, total: collector.entries.length };
  collector.entries.forEach((raw, index) => {
    const entry = toEntry(raw);
    if (typeof entry !== "string") {
      page.entries.push(entry);
      return;
    }
    page.malformedCount++;
    if (page.malformed.length < MAX_REPORTED) page.malformed.push({ index, reason: entry });
  });
  return page;
}
