/**
 * A local SEC EDGAR for tests and benches: the latest-filings Atom feed in EDGAR's own format (built here
 * from the filings "published" so far, newest first, 100 entries a page, a Form 4 listed under its owner
 * and its issuer), the recorded submissions under their real archive paths
 * (`/Archives/edgar/data/<cik>/<accession, no dashes>/<accession>.txt`, under every CIK of the filing, as
 * EDGAR serves them) and `/files/company_tickers.json`. Faults (429, 503 storm, truncation) are the
 * upstream's (server/src/sync/test-upstream.ts).
 */
import { readFileSync } from "node:fs";
import { type FakeUpstream, startFakeUpstream } from "../../server/src/sync/test-upstream";
import { secFixture } from "./sec-fixtures";

export interface FakeListing {
  cik: string;
  name: string;
  /** `Reporting`, `Issuer`, `Filer`. */
  role: string;
}

export interface FakeFiling {
  accession: string;
  form: string;
  filed: string;
  /** Acceptance time as the feed writes it, `2025-01-10T16:07:30-05:00`. */
  accepted: string;
  listings: FakeListing[];
  body: Buffer;
}

/** The recorded filings of test/fixtures/sec, with what EDGAR's feed says about them. */
export const SAMPLE_FILINGS = {
  /** AAR CORP, Form 4 (sale), archive `.txt` with `<ACCEPTANCE-DATETIME>20250110160730`. */
  air: {
    accession: "0001127602-25-001055",
    form: "4",
    filed: "2025-01-10",
    accepted: "2025-01-10T16:07:30-05:00",
    listings: [
      { cik: "0001806647", name: "Garascia Jessica A.", role: "Reporting" },
      { cik: "0000001750", name: "AAR CORP", role: "Issuer" },
    ],
    file: "0001127602-25-001055_AIR_form4_full_submission.txt",
  },
  /** Arrow Electronics, Form 4 (award, tax withholding), dissemination `.nc` form. */
  arw: {
    accession: "0001127602-25-004598",
    form: "4",
    filed: "2025-02-13",
    accepted: "2025-02-13T16:21:04-05:00",
    listings: [
      { cik: "0001870985", name: "Jean-Claude Carine Lamercie", role: "Reporting" },
      { cik: "0000007536", name: "ARROW ELECTRONICS, INC.", role: "Issuer" },
    ],
    file: "0001127602-25-004598_ARW_form4_full_submission.nc.txt",
  },
  /** Acorn Creek Capital, 13F-HR for 2024Q4, 77 holdings, `.nc` form. */
  acorn: {
    accession: "0001951757-25-000093",
    form: "13F-HR",
    filed: "2025-01-22",
    accepted: "2025-01-22T11:02:13-05:00",
    listings: [{ cik: "0001994827", name: "ACORN CREEK CAPITAL LLC", role: "Filer" }],
    file: "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt",
  },
} as const;

export type SampleName = keyof typeof SAMPLE_FILINGS;

export function sampleFiling(name: SampleName): FakeFiling {
  const s = SAMPLE_FILINGS[name];
  return { ...s, listings: [...s.listings], body: readFileSync(secFixture(s.file)) };
}

/** The feed URL path EDGAR's own "latest filings" links use, with `output=atom`. */
export const feedPath = (type: string, start = 0, count = 100): string =>
  `/cgi-bin/browse-edgar?action=getcurrent&type=${encodeURIComponent(type)}&company=&dateb=&owner=include&start=${start}&count=${count}&output=atom`;

export const archivePath = (cik: string, accession: string): string =>
  `/Archives/edgar/data/${Number(cik)}/${accession.replaceAll("-", "")}/${accession}.txt`;

const xml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** One `<entry>` exactly as EDGAR writes it. */
export function atomEntry(
  f: Pick<FakeFiling, "accession" | "form" | "filed" | "accepted">,
  l: FakeListing,
): string {
  const folder = `https://www.sec.gov/Archives/edgar/data/${Number(l.cik)}/${f.accession.replaceAll("-", "")}`;
  return `<entry>
<title>${xml(`${f.form} - ${l.name} (${l.cik}) (${l.role})`)}</title>
<link rel="alternate" type="text/html" href="${folder}/${f.accession}-index.htm"/>
<summary type="html"> &lt;b&gt;Filed:&lt;/b&gt; ${f.filed} &lt;b&gt;AccNo:&lt;/b&gt; ${f.accession} &lt;b&gt;Size:&lt;/b&gt; 9 KB</summary>
<updated>${f.accepted}</updated>
<category scheme="https://www.sec.gov/" label="form type" term="${xml(f.form)}"/>
<id>urn:tag:sec.gov,2008:accession-number=${f.accession}</id>
</entry>
`;
}

/** A whole feed page around entries (EDGAR's header: ISO-8859-1, Atom namespace). */
export function atomFeed(entries: string[], updated = "2025-01-10T16:10:03-05:00"): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Latest Filings - Fri, 10 Jan 2025 16:10:03 EST</title>
<link rel="alternate" href="/cgi-bin/browse-edgar?action=getcurrent"/>
<link rel="self" href="/cgi-bin/browse-edgar?action=getcurrent"/>
<id>https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent</id>
<author><name>Webmaster</name><email>webmaster@sec.gov</email></author>
<updated>${updated}</updated>
${entries.join("")}</feed>
`;
}

export interface FakeEdgar {
  url: string;
  upstream: FakeUpstream;
  /** Puts a filing on the feed (newest first) and its submission in the archive. */
  publish(filing: FakeFiling): void;
  /** Adds a raw entry to the top of a feed (hostile or malformed ones). */
  publishRaw(type: "4" | "13F-HR", entry: string): void;
  /** Requests that were not for the feed. */
  archiveRequests(): string[];
  close(): Promise<void>;
}

export async function startFakeEdgar(o: { pageSize?: number } = {}): Promise<FakeEdgar> {
  const upstream = await startFakeUpstream();
  const pageSize = o.pageSize ?? 100;
  const feeds: Record<"4" | "13F-HR", string[]> = { "4": [], "13F-HR": [] };
  upstream.files.set("/files/company_tickers.json", readFileSync(secFixture("company_tickers.json")));
  const render = (type: "4" | "13F-HR") => {
    const entries = feeds[type];
    // Pages up to one past the end, so a reader that asks for the next page gets an empty feed.
    for (let start = 0; start <= entries.length; start += pageSize) {
      upstream.files.set(feedPath(type, start, pageSize), atomFeed(entries.slice(start, start + pageSize)));
    }
  };
  render("4");
  render("13F-HR");
  return {
    url: upstream.url,
    upstream,
    publish(filing) {
      const type = filing.form.startsWith("13F") ? "13F-HR" : "4";
      for (const l of filing.listings) {
        feeds[type].unshift(atomEntry(filing, l));
        upstream.files.set(archivePath(l.cik, filing.accession), filing.body);
      }
      render(type);
    },
    publishRaw(type, entry) {
      feeds[type].unshift(entry);
      render(type);
    },
    archiveRequests: () => upstream.requests.map((r) => r.path).filter((p) => !p.startsWith("/cgi-bin/")),
    close: () => upstream.close(),
  };
}

/**
 * The same recorded submission under another accession number (both its dashed and folder forms are
 * replaced), for tests that need more distinct filings than were recorded. A new acceptance time goes into
 * the submission's header too (`<ACCEPTANCE-DATETIME>`, New York local time, as the feed's `updated`
 * writes it), so the feed and the archive agree as they do on EDGAR.
 */
export function variantOf(filing: FakeFiling, accession: string, accepted = filing.accepted): FakeFiling {
  const text = filing.body
    .toString("latin1")
    .replaceAll(filing.accession, accession)
    .replaceAll(filing.accession.replaceAll("-", ""), accession.replaceAll("-", ""))
    .replace(
      /<ACCEPTANCE-DATETIME>\d{14}/,
      `<ACCEPTANCE-DATETIME>${accepted.slice(0, 19).replace(/\D/g, "")}`,
    );
  return { ...filing, accession, accepted, body: Buffer.from(text, "latin1") };
}

/** The rows a test cares about, counted. */
export const SEC_TABLES = [
  "insider_transactions",
  "insider_filings",
  "thirteenf_holdings",
  "thirteenf_filings",
  "sync_items",
  "sync_runs",
  "sync_rate_limits",
  "sec_company_tickers",
] as const;

/**
 * The recorded AAR Form 4 (an open-market sale of 1,500 shares at $66.903) turned into an open-market
 * purchase of `shares` at the same price under a new accession: code S -> P, disposed -> acquired. The
 * rest of the filing (owner, issuer, dates, wrapper) is the real one.
 */
export function purchaseFiling(accession: string, shares = 15_000, accepted?: string): FakeFiling {
  const air = sampleFiling("air");
  const text = air.body
    .toString("latin1")
    .replace("<transactionCode>S</transactionCode>", "<transactionCode>P</transactionCode>")
    .replace(/(<transactionShares>\s*<value>)1500(<\/value>)/, `$1${shares}$2`)
    .replace(/(<transactionAcquiredDisposedCode>\s*<value>)D(<\/value>)/, "$1A$2")
    .replace(/(<sharesOwnedFollowingTransaction>\s*<value>)37565(<\/value>)/, `$1${39_065 + shares}$2`);
  if (!text.includes("<transactionCode>P</transactionCode>"))
    throw new Error("AAR sample changed: no sale to turn");
  return variantOf({ ...air, body: Buffer.from(text, "latin1") }, accession, accepted ?? air.accepted);
}

/**
 * A service clock running at wall speed but shifted to `startIso` (EDGAR's filing hours on a business
 * day), so the poll schedule fires in tests and benches whatever day they run on.
 */
export function shiftedClock(startIso: string): () => Date {
  const offset = Date.parse(startIso) - Date.now();
  return () => new Date(Date.now() + offset);
}
