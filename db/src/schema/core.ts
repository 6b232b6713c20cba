import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Provenance columns every stored row carries (ARCHITECTURE.md invariant 2). */
export const provenance = () => ({
  /** Feed or file family the row came from, e.g. `polygon_flatfile`, `finra_regsho`, `demo`. */
  source: text("source").notNull(),
  /** Where inside the source: `file.csv:123`, a vendor trade id, an SEC accession. */
  sourceRef: text("source_ref").notNull(),
  /** When the world could first know this row (point-in-time analytics filter on it). */
  publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }).notNull(),
  ingestedAt: timestamp("ingested_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** One row per ingest run (file, upload or feed session): what was accepted, duplicated, rejected. */
export const ingestRuns = pgTable("ingest_runs", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  source: text("source").notNull(),
  sourceRef: text("source_ref").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  accepted: integer("accepted").notNull().default(0),
  duplicates: integer("duplicates").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
});

/** Every symbol any ingest has stored data for, with the kinds of data it has (the dashboard's picker). */
export const symbols = pgTable(
  "symbols",
  {
    symbol: text("symbol").primaryKey(),
    kinds: text("kinds").array().notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // Prefix search (`symbol like 'GM%'`) whatever the database collation.
    index("symbols_prefix_idx").on(t.symbol.op("text_pattern_ops")),
  ],
);
