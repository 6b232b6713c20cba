import { z } from "zod";
import { MAX_API_KEY_LENGTH } from "./lib/auth";
import { canonicalSymbol } from "./lib/symbol-form";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** A list of tickers, each in the canonical form the stores use (`brk/b` -> `BRK.B`). */
const symbolList = list.transform((symbols, ctx) =>
  symbols.map((raw) => {
    const r = canonicalSymbol(raw);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message });
    return r.ok ? r.symbol : raw;
  }),
);

/**
 * Every setting the service reads, with its default. This is the only module that touches
 * `process.env`; the README's configuration table is written from it.
 */
export const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    /**
     * Bind address. Default: 127.0.0.1 (this machine only) while no API_KEYS are set, since then anyone who
     * can reach the port may upload; 0.0.0.0 (every interface) once keys are set.
     */
    HOST: z.string().min(1).optional(),
    /** Real Postgres. Without it the embedded PGlite engine stores under DATA_DIR. */
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().default("./data"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    /** auto: load demo data and run the simulator when the embedded database is empty. */
    DEMO: z.enum(["auto", "on", "off"]).default("auto"),
    DEMO_SYMBOLS: symbolList.default(["AAPL", "MSFT", "NVDA", "TSLA", "SPY"]),
    DEMO_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    /** Live feed: none, demo (simulator), alpaca (WebSocket), replay (a file). */
    FEED: z.enum(["none", "demo", "alpaca", "replay"]).optional(),
    FEED_SYMBOLS: list.optional(),
    REPLAY_FILE: z.string().optional(),
    REPLAY_SPEED: z.coerce.number().positive().default(1),
    ALPACA_KEY_ID: z.string().optional(),
    ALPACA_SECRET_KEY: z.string().optional(),
    ALPACA_STREAM_URL: z.string().default("wss://stream.data.alpaca.markets/v2/sip"),
    /** Largest accepted HTTP upload. Larger bodies get 413 and store nothing. */
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024),
    /**
     * Largest size a gzip upload (`Content-Encoding: gzip`) may expand to. MAX_UPLOAD_BYTES applies to the
     * bytes sent; past this cap the upload gets 413 and stores nothing.
     */
    MAX_UPLOAD_DECOMPRESSED_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024 * 1024),
    /** How far back a lit print may serve as the market price when no quote is known. */
    LAST_LIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
    /** Prints go to Socket.IO clients at most once per this many ms (at once after a quiet spell). */
    LIVE_BATCH_MS: z.coerce.number().int().min(1).max(1000).default(50),
    /** Basket for the dollar-weighted DIX; default: the S&P 500 constituents of `DIX_CONSTITUENTS_FILE`. */
    DIX_BASKET: symbolList.optional(),
    /** CSV (`symbol,name,as_of`) replacing the shipped S&P 500 list (server/data/sp500-constituents.csv). */
    DIX_CONSTITUENTS_FILE: z.string().optional(),
    /** Share of basket members that need short volume and a close before a DIX is reported (0-1). */
    DIX_MIN_COVERAGE: z.coerce.number().min(0).max(1).default(0.8),
    /** Declared User-Agent for SEC EDGAR ("Company Name admin@company.com"). Required to fetch from the SEC. */
    SEC_USER_AGENT: z.string().optional(),
    SEC_CACHE_DIR: z.string().optional(),
    /** SEC www host (current-filings feed, archives). Only env sets where the server fetches from. */
    SEC_WWW_BASE_URL: z.string().url().default("https://www.sec.gov"),
    /** SEC data host (submissions JSON). */
    SEC_DATA_BASE_URL: z.string().url().default("https://data.sec.gov"),
    /** FINRA's public folder of daily Reg SHO files (`CNMSshvol<YYYYMMDD>.txt`). */
    FINRA_REGSHO_BASE_URL: z.string().url().default("https://cdn.finra.org/equity/regsho/daily"),
    /** Scheduled sync (docs/sync.md): on runs the jobs below in this process (one node per run on Postgres). */
    SYNC: z.enum(["on", "off"]).default("on"),
    /** Jobs kept off even with SYNC=on, comma-separated (`finra-regsho`, `sec-current`). */
    SYNC_DISABLED: list.default([]),
    /** Calendar days the FINRA job looks back for missed files on each scheduled run. */
    FINRA_REGSHO_BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
    /** FINRA's Query API host; the ATS job POSTs to `/data/group/otcMarket/name/weeklySummary` under it. */
    FINRA_OTC_BASE_URL: z.string().url().default("https://api.finra.org"),
    /** OTC Transparency tiers the ATS job keeps current: T1 (NMS Tier 1), T2 (NMS Tier 2), OTCE (OTC equities). */
    FINRA_OTC_TIERS: list.pipe(z.array(z.enum(["T1", "T2", "OTCE"])).min(1)).default(["T1", "T2", "OTCE"]),
    /** Weeks each scheduled ATS run looks back for weeks not stored yet. */
    FINRA_OTC_BACKFILL_WEEKS: z.coerce.number().int().min(1).max(260).default(8),
    /** Newest stored weeks per tier each ATS run asks again for FINRA's revisions (0 turns re-checks off). */
    FINRA_OTC_RECHECK_WEEKS: z.coerce.number().int().min(0).max(8).default(2),
    /** Polygon/Massive key: turns on the vendor-bars job (grouped daily aggregates, the whole market per day). */
    POLYGON_API_KEY: z.string().min(1).optional(),
    /** Polygon REST host (vendor-bars job). */
    POLYGON_BASE_URL: z.string().url().default("https://api.polygon.io"),
    /** Alpaca market-data REST host (vendor-bars job with Alpaca keys and no Polygon key). */
    ALPACA_DATA_BASE_URL: z.string().url().default("https://data.alpaca.markets"),
    /** Symbols whose daily bars the vendor-bars job asks Alpaca for (Alpaca has no market-wide endpoint). */
    VENDOR_BARS_SYMBOLS: symbolList.default([]),
    /** Calendar days each scheduled vendor-bars run looks back for days not stored yet. */
    VENDOR_BARS_BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(10),
    /** Least time between two vendor requests, ms (Polygon's free plan: 5 requests a minute). */
    VENDOR_BARS_REQUEST_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(12_000),
    /** How often the SEC current-filings feed is polled during EDGAR's filing hours (06:00-22:00 ET), s. */
    SEC_POLL_INTERVAL_S: z.coerce.number().int().min(10).max(3600).default(60),
    /** SEC quarterly data sets (`sec-datasets`): windows of each kind each scheduled run looks back over. */
    SEC_DATASETS_BACKFILL: z.coerce.number().int().min(1).max(8).default(2),
    /** Largest SEC data-set zip the sync job downloads (streamed to a temporary file), bytes. */
    SEC_DATASETS_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024 * 1024),
    /** Longest one SEC data-set download may take, ms. */
    SEC_DATASETS_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 60_000),
    /** Largest response body any sync fetch accepts, bytes (a larger one is refused, nothing stored). */
    SYNC_MAX_FETCH_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Longest any single sync fetch may take, ms. */
    SYNC_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
    /** off: storing filings and FINRA files raises no alerts (docs/alerts.md "Alerts from filings and files"). */
    FILING_ALERTS: z.enum(["on", "off"]).default("on"),
    /** A Form 4 whose open-market purchases (code P) total at least this raises an alert, USD. */
    INSIDER_BUY_ALERT_MIN_USD: z.coerce.number().min(0).default(250_000),
    /** A 13F new position or full exit of at least this share of the filer's portfolio raises an alert, %. */
    THIRTEENF_ALERT_MIN_WEIGHT_PCT: z.coerce.number().min(0).max(100).default(1),
    /** A FINRA day's short ratio at least this far above its trailing average raises an alert (0.3 = 30 points). */
    SHORT_SPIKE_ALERT_MIN_EXCESS: z.coerce.number().min(0).max(1).default(0.3),
    /** Short-ratio spikes only for symbols with at least this FINRA TotalVolume that day, shares. */
    SHORT_SPIKE_ALERT_MIN_VOLUME: z.coerce.number().min(0).default(100_000),
    /** How often a node looks for alerts stored by ingests (other processes, transactions) to announce, ms. */
    ALERT_ANNOUNCE_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    OPENFIGI_API_KEY: z.string().optional(),
    /** OpenFIGI API host (the `cusip-map` sync job maps held 13F CUSIPs there when a key is set). */
    OPENFIGI_BASE_URL: z.string().url().default("https://api.openfigi.com"),
    /** Comma-separated API keys. When set, write routes and sockets require one. */
    API_KEYS: list
      .refine((keys) => keys.every((k) => k.length <= MAX_API_KEY_LENGTH), {
        message: `each key must be at most ${MAX_API_KEY_LENGTH} characters`,
      })
      .default([]),
    /** The key `pnpm cli` sends (x-api-key) when it forwards work to a running server that needs one. */
    API_KEY: z.string().optional(),
    /**
     * Comma-separated web origins (`https://dash.example.com`) whose pages may write (upload, register
     * webhooks) besides pages served by this server; a write from any other origin gets 403.
     */
    ALLOWED_ORIGINS: list
      .refine((origins) => origins.every(isOrigin), {
        message: "each entry must be an origin like https://dash.example.com (scheme, host, optional port)",
      })
      .transform((origins) => origins.map((o) => new URL(o).origin))
      .default([]),
    REDIS_URL: z.string().optional(),
    /** Prefix of every Redis key and stream this service uses (several deployments on one Redis). */
    REDIS_PREFIX: z.string().max(64).default(""),
    /** On SIGTERM, how long in-flight requests may take to finish before connections are cut, ms. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /**
     * Longest a "now" payload of summary, indicators, flow or dashboard is reused while no data changed, ms
     * (0 = off). Any write to what it read makes the next request recompute it at once.
     */
    RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
    /**
     * Let webhooks target loopback, private and link-local addresses. Local development only: otherwise
     * anyone who may register a webhook can make the server POST into its own network.
     */
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    /** Webhooks one API key (or, with no keys configured, the open service) may register; 409 above it. */
    WEBHOOK_MAX_PER_KEY: z.coerce.number().int().min(1).default(20),
    /** MCP (`/mcp`, docs/mcp.md): longest one tool call may run before it answers a TIMEOUT error, ms. */
    MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(15_000),
    /** MCP tool calls running at once in this process; a request past it gets 503 with Retry-After. */
    MCP_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(8),
    /** Largest MCP tool result (JSON text, bytes); a larger one answers RESULT_TOO_LARGE. */
    MCP_MAX_RESULT_BYTES: z.coerce.number().int().min(1024).max(16_777_216).default(524_288),
    RETENTION_PRINTS_DAYS: z.coerce.number().int().min(1).default(30),
    /** Seconds between passes of the composite leaderboard refresh job (0 = off; market/composite.plugin.ts). */
    COMPOSITE_REFRESH_S: z.coerce.number().int().min(0).max(86_400).default(60),
    RETENTION_ALERTS_DAYS: z.coerce.number().int().min(1).default(7),
    SERVE_CLIENT: bool.default(true),
  })
  .transform((env) => ({ ...env, HOST: env.HOST ?? defaultHost(env.API_KEYS) }));

export type Env = z.infer<typeof envSchema>;

/** Where the service listens when HOST is not set: only this machine while it has no API keys. */
export const defaultHost = (apiKeys: readonly string[]) => (apiKeys.length > 0 ? "0.0.0.0" : "127.0.0.1");

function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === s.replace(/\/$/, "");
  } catch {
    return false;
  }
}

/** Parses the environment once; a bad value stops the process with a message naming the variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
