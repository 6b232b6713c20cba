import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "../errors";
import { canonicalSymbol, normalizeSymbol } from "../lib/symbols";
import { readCapped, UpstreamError } from "../sync/fetch";
import { type Columnar, type FilingSummary, fromColumnar } from "./edgar.columnar";

export type { FilingSummary } from "./edgar.columnar";

import { DATASET_DOWNLOAD_MAX_BYTES, datasetPath } from "./edgar.datasets";
import { type RequestLimiter, secRateLimiter } from "./edgar.limiter";

export { RateLimiter, type RequestLimiter, secRateLimiter } from "./edgar.limiter";

export interface EdgarClientOptions {
  /** Declared User-Agent, "Company Name admin@company.com" (from `SEC_USER_AGENT`). */
  userAgent: string | undefined;
  /** Where raw responses are kept; a re-run reads them from here instead of the network. Null: no cache. */
  cacheDir: string | null;
  /** `https://www.sec.gov` (archives, company tickers, data sets). */
  wwwBaseUrl?: string | undefined;
  /** `https://data.sec.gov` (submissions JSON). */
  dataBaseUrl?: string | undefined;
  limiter?: RequestLimiter | undefined;
  maxRetries?: number | undefined;
  /** First backoff delay; doubles on each retry (Retry-After wins when the server sends one). */
  backoffBaseMs?: number | undefined;
  /** Longest single backoff, whatever Retry-After says (default 10 minutes). */
  maxBackoffMs?: number | undefined;
  /** Longest one request may take, body included (default 60 s; data-set zips stream without it). */
  timeoutMs?: number | undefined;
  /** Largest body read into memory (default 256 MiB); a larger one is refused. */
  maxBytes?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Cached copies of mutable documents (submissions, ticker list) older than this are fetched again. */
  mutableMaxAgeMs?: number | undefined;
  fetchImpl?: typeof fetch | undefined;
}

export interface CompanyTicker {
  ticker: string;
  /** 10 digits, zero-padded. */
  cik: string;
  title: string;
}

/** Statuses worth retrying: throttling and server-side failures. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * SEC EDGAR over HTTP: declared User-Agent, the process-wide 10 requests/s limit, retries with
 * backoff, and a disk cache of raw responses. Parsing is left to the parsers; this returns bytes or
 * the small JSON indexes.
 */
export class EdgarClient {
  private readonly www: string;
  private readonly data: string;
  private readonly limiter: RequestLimiter;
  private readonly fetchImpl: typeof fetch;
  /** Requests that went to the network (cache hits excluded); for summaries and tests. */
  networkRequests = 0;

  constructor(private readonly options: EdgarClientOptions) {
    this.www = (options.wwwBaseUrl ?? "https://www.sec.gov").replace(/\/$/, "");
    this.data = (options.dataBaseUrl ?? "https://data.sec.gov").replace(/\/$/, "");
    this.limiter = options.limiter ?? secRateLimiter;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  /** Ticker -> company, from `company_tickers.json` (class shares use `-`: `BRK-B`). */
  async companyTickers(): Promise<CompanyTicker[]> {
    const body = await this.get(`${this.www}/files/company_tickers.json`, { mutable: true });
    const parsed = JSON.parse(body.toString("utf8")) as Record<
      string,
      { cik_str: number; ticker: string; title: string }
    >;
    return Object.values(parsed).map((e) => ({
      ticker: e.ticker.toUpperCase(),
      cik: String(e.cik_str).padStart(10, "0"),
      title: e.title,
    }));
  }

  async cikForTicker(ticker: string): Promise<string> {
    // SEC writes `BRK-B`; both sides compared in the canonical form (`BRK.B`).
    const wanted = normalizeSymbol(ticker);
    const hit = (await this.companyTickers()).find((t) => {
      const known = canonicalSymbol(t.ticker);
      return known.ok && known.symbol === wanted;
    });
    if (!hit) throw new AppError("NOT_FOUND", `ticker ${ticker} is not in the SEC company tickers list`);
    return hit.cik;
  }

  /**
   * Filings of a CIK from the submissions JSON: the columnar `filings.recent` arrays, plus the older
   * pages listed in `filings.files` when `since` reaches back before the recent block.
   */
  async filings(cik: string, since?: string): Promise<FilingSummary[]> {
    const padded = cik.replace(/^0+/, "").padStart(10, "0");
    const main = JSON.parse(
      (await this.get(`${this.data}/submissions/CIK${padded}.json`, { mutable: true })).toString("utf8"),
    ) as { filings: { recent: Columnar; files?: { name: string; filingFrom: string; filingTo: string }[] } };
    const out = fromColumnar(main.filings.recent);
    for (const page of main.filings.files ?? []) {
      if (since !== undefined && page.filingTo < since) continue;
      const body = await this.get(`${this.data}/submissions/${page.name}`, { mutable: true });
      out.push(...fromColumnar(JSON.parse(body.toString("utf8")) as Columnar));
    }
    return since === undefined ? out : out.filter((f) => f.filingDate >= since);
  }

  /**
   * One page of EDGAR's latest-filings Atom feed (`/cgi-bin/browse-edgar?action=getcurrent`), newest
   * first. EDGAR matches `type` as a prefix (`4` also lists `424B2`), so callers filter the forms.
   */
  async currentFilings(type: "4" | "13F-HR", start: number, count: number): Promise<Buffer> {
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 1 || count > 100) {
      throw new AppError("INVALID_INPUT", `feed page start=${start} count=${count} is out of range`);
    }
    const query = new URLSearchParams({
      action: "getcurrent",
      type,
      company: "",
      dateb: "",
      owner: "include",
      start: String(start),
      count: String(count),
      output: "atom",
    });
    return this.get(`${this.www}/cgi-bin/browse-edgar?${query}`, { cache: false });
  }

  /** The whole SGML submission (`{accession}.txt`): one request holds every document of the filing. */
  async submissionText(cik: string, accession: string): Promise<Buffer> {
    return this.get(`${this.folder(cik, accession)}/${accession}.txt`);
  }

  /** Items of the filing folder (`index.json`), e.g. to find a 13F information table by name. */
  async filingIndex(cik: string, accession: string): Promise<{ name: string; size: number | null }[]> {
    const body = await this.get(`${this.folder(cik, accession)}/index.json`);
    const parsed = JSON.parse(body.toString("utf8")) as {
      directory: { item: { name: string; size?: string | number }[] };
    };
    return parsed.directory.item.map((i) => ({
      name: i.name,
      size: i.size === undefined || i.size === "" ? null : Number(i.size),
    }));
  }

  /**
   * A document of a filing folder. For Form 4, `primaryDocument` in the submissions JSON is the
   * rendered HTML path (`xslF345X05/form4.xml`); dropping the `xslF345X0?/` prefix gives the raw XML.
   */
  async filingDocument(cik: string, accession: string, name: string): Promise<Buffer> {
    const raw = name.replace(/^xsl[^/]*\//, "");
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(raw)) {
      throw new AppError("INVALID_INPUT", `"${name.slice(0, 80)}" is not a filing document name`);
    }
    return this.get(`${this.folder(cik, accession)}/${raw}`);
  }

  /** Downloads a data-set zip to the cache (streamed to disk) and returns its path. */
  async datasetZip(kind: "13f" | "insider", label: string): Promise<string> {
    const url = `${this.www}/${datasetPath(kind, label)}`;
    if (this.options.cacheDir === null) {
      throw new AppError("NOT_CONFIGURED", "data-set downloads need a cache folder (SEC_CACHE_DIR)");
    }
    const path = this.cachePath(url);
    if (existsSync(path)) return path;
    await this.download(url, path, DATASET_DOWNLOAD_MAX_BYTES, null);
    return path;
  }

  /**
   * Streams a document to `path` (through `path.part`, renamed when whole), refusing it once it passes
   * `maxBytes` (declared Content-Length or bytes read); nothing is left on disk when it fails. A 404 is
   * `NOT_FOUND` (a data set not published yet). Returns the bytes written.
   */
  async download(url: string, path: string, maxBytes: number, timeoutMs: number | null): Promise<number> {
    const response = await this.request(url, timeoutMs);
    const declared = Number(response.headers.get("content-length"));
    const over = (n: number) =>
      new AppError("UPSTREAM_UNAVAILABLE", `${url}: ${n} bytes is over the ${maxBytes}-byte limit`);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw over(declared);
    }
    if (!response.body) throw new AppError("UPSTREAM_UNAVAILABLE", `${url}: empty body`);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.part`;
    let bytes = 0;
    try {
      await pipeline(
        Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
        async function* capped(chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > maxBytes) throw over(bytes);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    } catch (err) {
      rmSync(tmp, { force: true });
      if (err instanceof AppError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new AppError("UPSTREAM_UNAVAILABLE", `${url}: download cut off after ${bytes} bytes (${why})`);
    }
    renameSync(tmp, path);
    return bytes;
  }

  /**
   * A filing's folder. CIK and accession are checked here, whoever passes them (a feed entry, the
   * submissions JSON, a command line), so no value can make the client fetch another path or host.
   */
  private folder(cik: string, accession: string): string {
    if (!isCik(cik)) throw new AppError("INVALID_INPUT", `"${cik.slice(0, 40)}" is not a CIK (1-10 digits)`);
    if (!isAccession(accession)) {
      throw new AppError(
        "INVALID_INPUT",
        `"${accession.slice(0, 40)}" is not an accession number (0000000000-00-000000)`,
      );
    }
    return `${this.www}/Archives/edgar/data/${Number(cik)}/${accession.replaceAll("-", "")}`;
  }

  /** Cache file for a URL: readable path plus a short hash so query strings cannot collide. */
  cachePath(url: string): string {
    const u = new URL(url);
    const hash = createHash("sha256").update(url).digest("hex").slice(0, 12);
    const safe = `${u.host}${u.pathname}`.replace(/[^A-Za-z0-9._/-]/g, "_").replace(/\.\.+/g, "_");
    return join(this.options.cacheDir ?? ".", `${safe}.${hash}`);
  }

  /**
   * A document's bytes, from the disk cache when it holds it (a mutable one only while fresh), else from
   * the network within the time and size limits. `cache: false` neither reads nor writes the cache.
   */
  async get(url: string, opts: { mutable?: boolean; cache?: boolean } = {}): Promise<Buffer> {
    const path = this.options.cacheDir !== null && opts.cache !== false ? this.cachePath(url) : null;
    if (path && existsSync(path)) {
      const maxAge = this.options.mutableMaxAgeMs ?? 24 * 3_600_000;
      if (!opts.mutable || Date.now() - statSync(path).mtimeMs < maxAge) return readFileSync(path);
    }
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const response = await this.request(url, timeoutMs);
    let body: Buffer;
    try {
      body = await readCapped(response, this.options.maxBytes ?? 256 * 1024 * 1024, url);
    } catch (err) {
      if (err instanceof UpstreamError) throw new AppError("UPSTREAM_UNAVAILABLE", err.message);
      throw new AppError("UPSTREAM_UNAVAILABLE", `${url}: no complete answer within ${timeoutMs} ms`);
    }
    if (path) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.part`, body);
      renameSync(`${path}.part`, path);
    }
    return body;
  }

  /**
   * One GET with the declared User-Agent, through the limiter, retried with backoff on network errors,
   * 429 and 5xx (Retry-After honoured up to `maxBackoffMs`). A 429/503 also pauses the limiter, so every
   * job and node sharing it backs off, not only this request. A 403 that says the SEC is throttling us
   * ("Request Rate Threshold Exceeded", "Undeclared Automated Tool") pauses it for the ten minutes the SEC
   * blocks an address. Redirects are refused: the client fetches only the URLs it built.
   */
  private async request(url: string, timeoutMs: number | null): Promise<Response> {
    const userAgent = this.options.userAgent?.trim();
    if (!userAgent) {
      throw new AppError(
        "NOT_CONFIGURED",
        'SEC_USER_AGENT is not set: the SEC requires a declared User-Agent such as "Your Company admin@example.com" (https://www.sec.gov/os/accessing-edgar-data)',
      );
    }
    const maxRetries = this.options.maxRetries ?? 4;
    const base = this.options.backoffBaseMs ?? 500;
    const cap = this.options.maxBackoffMs ?? SEC_BLOCK_MS;
    const wait = this.options.sleep ?? sleep;
    let lastProblem = "";
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      await this.limiter.take();
      this.networkRequests++;
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          headers: { "User-Agent": userAgent, "Accept-Encoding": "gzip, deflate" },
          redirect: "error",
          ...(timeoutMs === null ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
        });
      } catch (err) {
        lastProblem = `network error: ${err instanceof Error ? err.message : String(err)}`;
        await wait(Math.min(cap, base * 2 ** attempt));
        continue;
      }
      if (response.ok) return response;
      lastProblem = `HTTP ${response.status}`;
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        throw new AppError("NOT_FOUND", `${url}: HTTP 404 from SEC EDGAR`);
      }
      if (response.status === 403) await this.refuseBlocked(url, response);
      if (!RETRYABLE.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        throw new AppError("UPSTREAM_UNAVAILABLE", `${url}: HTTP ${response.status} from SEC EDGAR`);
      }
      await response.body?.cancel().catch(() => undefined);
      const retryAfterS = Number(response.headers.get("retry-after"));
      const asked =
        Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : base * 2 ** attempt;
      // The whole budget waits what the SEC asked (up to its ten-minute block); this request waits at most
      // `cap` before queueing on the budget again, which then holds it for the rest.
      if (response.status === 429 || response.status === 503)
        await this.limiter.pause?.(Math.min(asked, SEC_BLOCK_MS));
      await wait(Math.min(cap, asked));
    }
    throw new AppError(
      "UPSTREAM_UNAVAILABLE",
      `${url}: gave up after ${maxRetries + 1} attempts (${lastProblem})`,
    );
  }

  /** A 403: when its page says the SEC throttles or blocks us, every request waits out the block. */
  private async refuseBlocked(url: string, response: Response): Promise<never> {
    const page = await readCapped(response, 64 * 1024, url)
      .then((b) => b.toString("latin1"))
      .catch(() => "");
    const blocked = /Request Rate Threshold Exceeded|Undeclared Automated Tool/i.test(page);
    if (blocked) await this.limiter.pause?.(SEC_BLOCK_MS);
    throw new AppError(
      "UPSTREAM_UNAVAILABLE",
      blocked
        ? `${url}: HTTP 403, the SEC is blocking this address for exceeding its request rate or an undeclared User-Agent; every SEC request now waits ${SEC_BLOCK_MS / 60_000} minutes`
        : `${url}: HTTP 403 from SEC EDGAR`,
    );
  }
}

/** How long the SEC blocks an address that went over its rate (https://www.sec.gov/os/accessing-edgar-data). */
export const SEC_BLOCK_MS = 10 * 60_000;

export const isCik = (v: string): boolean => /^\d{1,10}$/.test(v);
export const isAccession = (v: string): boolean => /^\d{10}-\d{2}-\d{6}$/.test(v);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
