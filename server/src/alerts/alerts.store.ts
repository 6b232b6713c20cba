/**
 * SQL of the alerts feature: alerts with their global sequence, webhooks and dead letters.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { type Db, schema } from "@smt/db";
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Alert, AlertOrigin, AlertSeverity, AlertType } from "./alerts.rules";
import { ALERT_SEVERITIES } from "./alerts.rules";
import type { DeadLetter, DeadLetterSink, Webhook } from "./webhooks";

type AlertRow = typeof schema.alerts.$inferSelect;

/** An alert as read back from the table: `origin` is always there (null for detector alerts). */
export type StoredAlert = Alert & { seq: number; origin: AlertOrigin | null };

/** `source` values of detector alerts; any other `source` is a filing or file alert's origin kind. */
const DETECTOR_SOURCES = new Set(["detectors", "demo"]);

/**
 * Stores alerts raised by an ingest (filing and file alerts), each once: an id already there is skipped.
 * They are stored unannounced; one node's announcer claims them (`claimUnannounced`) once the ingest's
 * transaction is visible. Returns how many were new.
 */
export async function insertRaisedAlerts(db: Db, alerts: Alert[]): Promise<number> {
  let stored = 0;
  for (let i = 0; i < alerts.length; i += 500) {
    const rows = await db
      .insert(schema.alerts)
      .values(
        alerts.slice(i, i + 500).map((a) => {
          if (!a.origin) throw new Error(`raised alert ${a.id} has no origin`);
          return {
            id: a.id,
            symbol: a.symbol,
            type: a.type,
            severity: a.severity,
            ts: new Date(a.timestamp),
            title: a.title,
            values: a.values,
            inputs: a.inputs,
            paramsVersion: a.params_version,
            rulesVersion: a.rules_version,
            dedupeKey: a.dedupe_key,
            source: a.origin.kind,
            sourceRef: a.origin.ref,
            sourceUrl: a.origin.url,
            publishedAt: new Date(a.origin.published_at),
            ingestedAt: new Date(a.origin.seen_at),
            announcedAt: null,
          };
        }),
      )
      .onConflictDoNothing()
      .returning({ id: schema.alerts.id });
    stored += rows.length;
  }
  return stored;
}

/**
 * Claims up to `limit` alerts nobody has announced yet, stored within `maxAgeMs` of `now`, oldest first:
 * marks them announced and returns them. Rows another node is claiming are skipped (`skip locked`), so
 * each alert is claimed by one node. Older unannounced alerts stay unannounced (REST still has them).
 */
export async function claimUnannounced(
  db: Db,
  o: { now: Date; maxAgeMs: number; limit: number },
): Promise<StoredAlert[]> {
  const t = schema.alerts;
  const waiting = db
    .select({ id: t.id })
    .from(t)
    .where(and(isNull(t.announcedAt), gte(t.ingestedAt, new Date(o.now.getTime() - o.maxAgeMs))))
    .orderBy(asc(t.seq))
    .limit(o.limit)
    .for("update", { skipLocked: true });
  const rows = await db.update(t).set({ announcedAt: o.now }).where(inArray(t.id, waiting)).returning();
  return rows.map(alertFromRow).sort((a, b) => a.seq - b.seq);
}

/** `values` of the stored alerts of one type on these symbols (what earlier filings already raised). */
export async function storedAlertValues(
  db: Db,
  type: AlertType,
  symbols: string[],
): Promise<{ symbol: string; values: Alert["values"] }[]> {
  if (symbols.length === 0) return [];
  const t = schema.alerts;
  const rows = await db
    .select({ symbol: t.symbol, values: t.values })
    .from(t)
    .where(and(eq(t.type, type), inArray(t.symbol, symbols)));
  return rows.map((r) => ({ symbol: r.symbol, values: r.values as Alert["values"] }));
}

export function alertFromRow(r: AlertRow): StoredAlert {
  return {
    id: r.id,
    seq: r.seq,
    symbol: r.symbol,
    type: r.type as AlertType,
    severity: r.severity as AlertSeverity,
    timestamp: r.ts.toISOString(),
    title: r.title,
    values: r.values as Alert["values"],
    inputs: r.inputs,
    params_version: r.paramsVersion,
    rules_version: r.rulesVersion,
    dedupe_key: r.dedupeKey,
    outcome: {
      price_at_alert: r.priceAtAlert,
      price_move_1h_pct: r.priceMove1hPct,
      price_move_1d_pct: r.priceMove1dPct,
      evaluated_at: r.outcomeEvaluatedAt?.toISOString() ?? null,
    },
    ...(r.source === "demo" ? { source: "demo" as const } : {}),
    origin: DETECTOR_SOURCES.has(r.source)
      ? null
      : {
          kind: r.source,
          ref: r.sourceRef,
          url: r.sourceUrl,
          published_at: r.publishedAt.toISOString(),
          seen_at: r.ingestedAt.toISOString(),
        },
  };
}

export interface AlertQuery {
  /** A symbol, or `null` for every symbol. */
  symbol: string | null;
  types?: AlertType[] | undefined;
  /** Minimum severity. */
  minSeverity?: AlertSeverity | undefined;
  since?: Date | undefined;
  /** Backfill: alerts with a sequence number above this, oldest first. */
  afterSeq?: number | undefined;
  limit: number;
}

/**
 * A backfill by `after_seq` also returns the alerts numbered below it that were stored up to this long
 * before the alert it names: live alerts are pushed before their insert with a number reserved ahead
 * (alert-seqs.ts), so with several nodes one can be pushed after a higher-numbered one (docs/alerts.md).
 */
export const BACKFILL_OVERLAP_MS = 5_000;

/**
 * Newest first; with `afterSeq`, oldest first from that sequence (what a reconnecting bot replays), plus
 * the overlap: alerts numbered below it, stored no earlier than `BACKFILL_OVERLAP_MS` before the last
 * stored alert numbered at or below it (the database's clock), so an alert pushed after the one the
 * client holds is returned even when its number is lower. Those come first, up to `limit` more.
 */
export async function queryAlerts(db: Db, q: AlertQuery): Promise<StoredAlert[]> {
  const t = schema.alerts;
  const conds: SQL[] = [];
  if (q.symbol !== null) conds.push(eq(t.symbol, q.symbol));
  if (q.types && q.types.length > 0) conds.push(inArray(t.type, q.types));
  if (q.minSeverity)
    conds.push(inArray(t.severity, ALERT_SEVERITIES.slice(ALERT_SEVERITIES.indexOf(q.minSeverity))));
  if (q.since) conds.push(gte(t.ts, q.since));
  const select = (where: SQL[], order: SQL) =>
    db
      .select()
      .from(t)
      .where(and(...where))
      .orderBy(order)
      .limit(q.limit);
  if (q.afterSeq === undefined) return (await select(conds, desc(t.seq))).map(alertFromRow);
  const reference = sql`(select ingested_at from alerts where seq <= ${q.afterSeq} order by seq desc limit 1)`;
  const overlap = sql`${t.ingestedAt} >= ${reference} - make_interval(secs => ${BACKFILL_OVERLAP_MS / 1000})`;
  const [before, after] = await Promise.all([
    select([...conds, lt(t.seq, q.afterSeq), overlap], asc(t.seq)),
    select([...conds, gt(t.seq, q.afterSeq)], asc(t.seq)),
  ]);
  return [...before, ...after].map(alertFromRow);
}

/** Records the outcome of an alert (price move after 1h/1d). */
export async function updateAlertOutcome(db: Db, id: string, o: Alert["outcome"]): Promise<void> {
  await db
    .update(schema.alerts)
    .set({
      priceAtAlert: o.price_at_alert,
      priceMove1hPct: o.price_move_1h_pct,
      priceMove1dPct: o.price_move_1d_pct,
      outcomeEvaluatedAt: o.evaluated_at ? new Date(o.evaluated_at) : null,
    })
    .where(eq(schema.alerts.id, id));
}

/**
 * Alerts whose outcome is still open: no 1-hour move yet (and at least an hour old), or no 1-day move yet
 * (and at least a day old), oldest first. Outcomes are judged on event time, so replayed history gets
 * them as soon as the later prints are stored.
 */
export async function alertsAwaitingOutcome(db: Db, now: Date, limit = 500): Promise<Alert[]> {
  const t = schema.alerts;
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        or(
          and(isNull(t.priceMove1hPct), lte(t.ts, hourAgo)),
          and(isNull(t.priceMove1dPct), lte(t.ts, dayAgo)),
        ),
        // Give up 3 days after the day horizon; retry a missing price at most hourly.
        gte(t.ts, new Date(now.getTime() - 4 * 86_400_000)),
        or(isNull(t.outcomeEvaluatedAt), lte(t.outcomeEvaluatedAt, hourAgo)),
      ),
    )
    .orderBy(asc(t.ts))
    .limit(limit);
  return rows.map(alertFromRow);
}

/** Deletes alerts stored before `before` (retention, 7 days by default). Returns how many. */
export async function deleteAlertsBefore(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(schema.alerts)
    .where(lt(schema.alerts.ingestedAt, before))
    .returning({ id: schema.alerts.id });
  return rows.length;
}

/** Bumped on every webhook change made by this process, so cached lists refresh at once. */
const webhookGenerations = new WeakMap<Db, number>();
export const webhookGeneration = (db: Db): number => webhookGenerations.get(db) ?? 0;
const bumpWebhooks = (db: Db) => webhookGenerations.set(db, webhookGeneration(db) + 1);

/**
 * Registers a webhook for `owner` unless it already has `maxPerOwner`; returns null then. The count and
 * the insert run under a per-owner transaction lock, so concurrent registrations cannot pass the cap.
 */
export async function createWebhook(
  db: Db,
  w: { owner: string; url: string; symbols: string[]; types: string[]; secret?: string | undefined },
  maxPerOwner: number,
): Promise<Webhook | null> {
  const hook: Webhook = {
    id: randomUUID(),
    url: w.url,
    secret: w.secret ?? randomBytes(24).toString("base64url"),
    symbols: w.symbols,
    types: w.types,
  };
  const stored = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhooks:${w.owner}`}))`);
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.webhooks)
      .where(eq(schema.webhooks.owner, w.owner));
    if ((row?.n ?? 0) >= maxPerOwner) return false;
    await tx.insert(schema.webhooks).values({ ...hook, owner: w.owner });
    return true;
  });
  if (!stored) return null;
  bumpWebhooks(db);
  return hook;
}

export async function listWebhooks(db: Db): Promise<(Webhook & { createdAt: Date; active: boolean })[]> {
  return db.select().from(schema.webhooks).orderBy(schema.webhooks.createdAt);
}

export async function activeWebhooks(db: Db): Promise<Webhook[]> {
  return db
    .select({
      id: schema.webhooks.id,
      url: schema.webhooks.url,
      secret: schema.webhooks.secret,
      symbols: schema.webhooks.symbols,
      types: schema.webhooks.types,
    })
    .from(schema.webhooks)
    .where(eq(schema.webhooks.active, true));
}

export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .delete(schema.webhooks)
    .where(eq(schema.webhooks.id, id))
    .returning({ id: schema.webhooks.id });
  bumpWebhooks(db);
  return rows.length > 0;
}

export async function listDeadLetters(db: Db, webhookId: string | null, limit: number) {
  const t = schema.webhookDeadLetters;
  return db
    .select()
    .from(t)
    .where(webhookId === null ? undefined : eq(t.webhookId, webhookId))
    .orderBy(desc(t.id))
    .limit(limit);
}

/** The dead-letter sink of the webhook dispatcher, backed by the table. */
export function deadLetterStore(db: Db): DeadLetterSink {
  return {
    async deadLetter(l: DeadLetter) {
      await db.insert(schema.webhookDeadLetters).values({
        webhookId: l.webhookId,
        alertId: l.alertId,
        url: l.url,
        attempts: l.attempts,
        lastStatus: l.lastStatus,
        lastError: l.lastError,
        body: l.body,
        failedAt: new Date(l.failedAt),
      });
    },
  };
}
