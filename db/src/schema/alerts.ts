import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { provenance } from "./core";

/**
 * Alerts, one row per event. `id` is derived from the rule type and the de-duplication key, so the same
 * event evaluated on two nodes (or again after a restart) is stored once; `seq` is a global sequence
 * clients use to detect gaps and backfill (`after_seq`). See docs/alerts.md.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull().unique(),
    symbol: text("symbol").notNull(),
    /** One of ALERT_TYPES (server/src/alerts/alerts.rules.ts): detector types and filing/file types. */
    type: text("type").notNull(),
    /** low | medium | high | critical */
    severity: text("severity").notNull(),
    /** Event time (the print or window that fired the rule). */
    ts: timestamp("ts", { withTimezone: true, mode: "date", precision: 3 }).notNull(),
    title: text("title").notNull(),
    values: jsonb("values").notNull(),
    /** Snapshot of the detector event: why the rule fired. */
    inputs: jsonb("inputs").notNull(),
    paramsVersion: text("params_version").notNull(),
    rulesVersion: text("rules_version").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    /** Outcome, filled later: last price at the alert and the move 1 hour / 1 day after. */
    priceAtAlert: doublePrecision("price_at_alert"),
    priceMove1hPct: doublePrecision("price_move_1h_pct"),
    priceMove1dPct: doublePrecision("price_move_1d_pct"),
    outcomeEvaluatedAt: timestamp("outcome_evaluated_at", { withTimezone: true, mode: "date" }),
    /**
     * Filing and file alerts (`source` `sec_form4`, `sec_13f`, `finra_regsho`): the filing's EDGAR path;
     * null for FINRA files and detector alerts. `source_ref` holds the accession or file name,
     * `published_at` the filing's acceptance (or the file's date) and `ingested_at` when it was stored.
     */
    sourceUrl: text("source_url"),
    /**
     * When a node pushed the alert (Socket.IO, webhooks). Alerts raised inside an ingest are stored with
     * null and claimed by one node's announcer (`update ... where announced_at is null ... skip locked`).
     */
    announcedAt: timestamp("announced_at", { withTimezone: true, mode: "date" }),
    ...provenance(),
  },
  (t) => [
    index("alerts_symbol_seq_idx").on(t.symbol, t.seq),
    index("alerts_ts_idx").on(t.ts),
    index("alerts_ingested_idx").on(t.ingestedAt),
    index("alerts_unannounced_idx").on(t.seq).where(sql`announced_at is null`),
  ],
);

/** Registered webhooks: alerts matching `symbols` (or `*`) and `types` (empty = all) are POSTed, signed. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    /**
     * Who registered it: a SHA-256 prefix of the API key (never the key), or `open` when no keys are
     * configured. Counts against WEBHOOK_MAX_PER_KEY. Rows from before this column are `legacy`.
     */
    owner: text("owner").notNull().default("legacy"),
    url: text("url").notNull(),
    /** HMAC-SHA256 key of the signature header; shown once at registration. */
    secret: text("secret").notNull(),
    symbols: text("symbols").array().notNull(),
    types: text("types").array().notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("webhooks_owner_idx").on(t.owner)],
);

/** Deliveries that failed every retry, kept for inspection over REST. */
export const webhookDeadLetters = pgTable(
  "webhook_dead_letters",
  {
    id: bigint("id", { mode: "number" }).generatedAlwaysAsIdentity().primaryKey(),
    webhookId: text("webhook_id").notNull(),
    alertId: text("alert_id").notNull(),
    url: text("url").notNull(),
    attempts: integer("attempts").notNull(),
    lastStatus: integer("last_status"),
    lastError: text("last_error").notNull(),
    body: text("body").notNull(),
    failedAt: timestamp("failed_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("webhook_dead_letters_webhook_idx").on(t.webhookId, t.failedAt)],
);
