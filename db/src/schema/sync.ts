import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

/**
 * One row per scheduled (or CLI-requested) run of a sync job. `(source, run_key)` is unique: every node
 * computes the same key for a schedule slot, so the slot is enqueued once however many nodes run the
 * scheduler; a node claims a due row with `FOR UPDATE SKIP LOCKED` and holds it by a lease it renews, so
 * exactly one node runs it, and a node killed mid-run leaves a lease that expires and is claimed again.
 * Status: pending -> running -> succeeded | retry (backoff, next_attempt_at) | dead (attempts exhausted).
 * See docs/sync.md.
 */
export const syncRuns = pgTable(
  "sync_runs",
  {
    id: bigint("id", { mode: "number" }).generatedAlwaysAsIdentity().primaryKey(),
    source: text("source").notNull(),
    runKey: text("run_key").notNull(),
    status: text("status").notNull(),
    /** `schedule`, `startup` or `cli`. */
    trigger: text("trigger").notNull(),
    /** Optional backfill range (`since`, `until`) of a CLI run. */
    params: jsonb("params"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    scheduledFor: ts("scheduled_for").notNull(),
    nextAttemptAt: ts("next_attempt_at").notNull(),
    owner: text("owner"),
    leaseUntil: ts("lease_until"),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    lastError: text("last_error"),
    /** What the run did: items stored, not published, records accepted/duplicates. */
    stats: jsonb("stats"),
  },
  (t) => [
    unique("sync_runs_source_key_uq").on(t.source, t.runKey),
    index("sync_runs_due_idx").on(t.status, t.nextAttemptAt),
    index("sync_runs_source_idx").on(t.source, t.id),
  ],
);

/**
 * What a job has already taken in, item by item (a FINRA trade date, an SEC accession): the resume point
 * after a crash and what makes a re-run fetch nothing new. `status`: stored | not_published | failed.
 */
export const syncItems = pgTable(
  "sync_items",
  {
    source: text("source").notNull(),
    itemKey: text("item_key").notNull(),
    status: text("status").notNull(),
    /** The data date the item carries (trade date, filing date), for "newest data" and lag. */
    dataDate: text("data_date"),
    detail: jsonb("detail"),
    attempts: integer("attempts").notNull().default(1),
    /** When the source published it (FINRA 18:00 ET, SEC acceptance time), when known. */
    publishedAt: ts("published_at"),
    firstSeenAt: ts("first_seen_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.itemKey] }),
    index("sync_items_date_idx").on(t.source, t.dataDate),
  ],
);

/**
 * Request budgets shared by every node (SEC fair access: at most 10 requests per second per user across
 * all machines). `grants` holds the epoch milliseconds (database clock) of the requests let through in
 * the current window, oldest first; `paused_until_ms` holds every request back after the upstream
 * answered 429/503 (Retry-After). One row per budget (`sec`). See docs/sync.md "SEC fair access".
 */
export const syncRateLimits = pgTable("sync_rate_limits", {
  name: text("name").primaryKey(),
  grants: bigint("grants", { mode: "number" }).array().notNull().default([]),
  pausedUntilMs: bigint("paused_until_ms", { mode: "number" }).notNull().default(0),
});
