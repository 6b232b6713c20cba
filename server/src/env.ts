import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/**
 * Every setting the service reads, with its default. This is the only module that touches
 * `process.env`; the README's configuration table is written from it.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default("0.0.0.0"),
  /** Real Postgres. Without it the embedded PGlite engine stores under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default("./data"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** auto: load demo data and run the simulator when the embedded database is empty. */
  DEMO: z.enum(["auto", "on", "off"]).default("auto"),
  DEMO_SYMBOLS: list.default(["AAPL", "MSFT", "NVDA", "TSLA", "SPY"]),
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
  /** Basket for the dollar-weighted DIX. */
  DIX_BASKET: list.default(["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "SPY"]),
  /** Declared User-Agent for SEC EDGAR ("Company Name admin@company.com"). Required to fetch from the SEC. */
  SEC_USER_AGENT: z.string().optional(),
  SEC_CACHE_DIR: z.string().optional(),
  OPENFIGI_API_KEY: z.string().optional(),
  /** Comma-separated API keys. When set, write routes and sockets require one. */
  API_KEYS: list.default([]),
  /** The key `pnpm cli` sends (x-api-key) when it forwards work to a running server that needs one. */
  API_KEY: z.string().optional(),
  REDIS_URL: z.string().optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /**
   * Longest a "now" payload of summary, indicators, flow or dashboard is reused while no data changed, ms
   * (0 = off). Any write to what it read makes the next request recompute it at once.
   */
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  RETENTION_PRINTS_DAYS: z.coerce.number().int().min(1).default(30),
  RETENTION_ALERTS_DAYS: z.coerce.number().int().min(1).default(7),
  SERVE_CLIENT: bool.default(true),
});

export type Env = z.infer<typeof envSchema>;

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
