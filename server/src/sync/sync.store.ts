/**
 * The only SQL on the sync tables (`sync_runs`, `sync_items`). Times are passed in from the runner's
 * clock rather than taken from the database's `now()`, so a fake clock drives the whole state machine.
 */
import { type Db, schema } from "@smt/db";
import { and, desc, eq, gte, inArray, lte, max, sql } from "drizzle-orm";

const { syncRuns, syncItems } = schema;

export type SyncRunRow = typeof syncRuns.$inferSelect;
export type SyncItemRow = typeof syncItems.$inferSelect;
export type RunStatus = "pending" | "running" | "succeeded" | "retry" | "dead";
/** `queued` and `fetching` are the SEC feed's: found on the feed, then claimed by one node (a lease). */
export type ItemStatus = "stored" | "not_published" | "failed" | "queued" | "fetching";

export interface NewRun {
  source: string;
  runKey: string;
  trigger: "schedule" | "startup" | "cli";
  params?: Record<string, unknown> | null;
  scheduledFor: Date;
  maxAttempts: number;
}

/** Enqueues a run unless one with the same key exists (another node got there first). */
export async function enqueueRun(db: Db, run: NewRun): Promise<SyncRunRow | null> {
  const rows = await db
    .insert(syncRuns)
    .values({
      source: run.source,
      runKey: run.runKey,
      trigger: run.trigger,
      params: run.params ?? null,
      status: "pending",
      maxAttempts: run.maxAttempts,
      scheduledFor: run.scheduledFor,
      nextAttemptAt: run.scheduledFor,
    })
    .onConflictDoNothing({ target: [syncRuns.source, syncRuns.runKey] })
    .returning();
  return rows[0] ?? null;
}

/**
 * Claims one due run of the given sources for `owner`: a pending or retry run whose time has come, or a
 * running one whose lease lapsed (its node died). `FOR UPDATE SKIP LOCKED` makes two nodes claiming at
 * once take different rows (or one takes it and the other none); the outer condition is re-checked
 * after the row lock, so a row claimed in between is not claimed twice.
 */
export async function claimRun(
  db: Db,
  sources: string[],
  owner: string,
  now: Date,
  leaseMs: number,
  onlyId?: number,
): Promise<SyncRunRow | null> {
  if (sources.length === 0) return null;
  // A Date inside a raw fragment is not serialized by postgres.js: pass text and cast.
  const at = sql`${now.toISOString()}::timestamptz`;
  const due = sql`(
    (${syncRuns.status} in ('pending', 'retry') and ${syncRuns.nextAttemptAt} <= ${at})
    or (${syncRuns.status} = 'running' and ${syncRuns.leaseUntil} < ${at}))`;
  const pick = sql`(select ${syncRuns.id} from ${syncRuns}
    where ${inArray(syncRuns.source, sources)} and ${due}
    ${onlyId === undefined ? sql`` : sql`and ${syncRuns.id} = ${onlyId}`}
    order by ${syncRuns.nextAttemptAt}, ${syncRuns.id} limit 1 for update skip locked)`;
  const rows = await db
    .update(syncRuns)
    .set({
      status: "running",
      owner,
      leaseUntil: new Date(now.getTime() + leaseMs),
      attempts: sql`${syncRuns.attempts} + 1`,
      startedAt: now,
    })
    .where(and(eq(syncRuns.id, pick), due))
    .returning();
  return rows[0] ?? null;
}

/** Extends the lease of a run this owner holds; false when it no longer holds it. */
export async function renewLease(db: Db, id: number, owner: string, until: Date): Promise<boolean> {
  const rows = await db
    .update(syncRuns)
    .set({ leaseUntil: until })
    .where(and(eq(syncRuns.id, id), eq(syncRuns.owner, owner), eq(syncRuns.status, "running")))
    .returning({ id: syncRuns.id });
  return rows.length > 0;
}

/** Ends this owner's hold on a run: succeeded, retry at `nextAttemptAt`, or dead. */
export async function finishRun(
  db: Db,
  id: number,
  owner: string,
  outcome: {
    status: Exclude<RunStatus, "pending" | "running">;
    at: Date;
    error?: string | null;
    stats?: Record<string, unknown> | null;
    nextAttemptAt?: Date;
  },
): Promise<void> {
  await db
    .update(syncRuns)
    .set({
      status: outcome.status,
      finishedAt: outcome.at,
      leaseUntil: null,
      lastError: outcome.error ?? null,
      stats: outcome.stats ?? null,
      ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
    })
    .where(and(eq(syncRuns.id, id), eq(syncRuns.owner, owner)));
}

export async function runById(db: Db, id: number): Promise<SyncRunRow | null> {
  const rows = await db.select().from(syncRuns).where(eq(syncRuns.id, id));
  return rows[0] ?? null;
}

/** Items of a source whose keys are in `keys`. */
export async function itemsByKey(db: Db, source: string, keys: string[]): Promise<Map<string, SyncItemRow>> {
  const out = new Map<string, SyncItemRow>();
  if (keys.length === 0) return out;
  const rows = await db
    .select()
    .from(syncItems)
    .where(and(eq(syncItems.source, source), inArray(syncItems.itemKey, keys)));
  for (const r of rows) out.set(r.itemKey, r);
  return out;
}

/** Items of a source with a data date in [from, to]. */
export async function itemsBetween(db: Db, source: string, from: string, to: string): Promise<SyncItemRow[]> {
  return db
    .select()
    .from(syncItems)
    .where(and(eq(syncItems.source, source), gte(syncItems.dataDate, from), lte(syncItems.dataDate, to)));
}

/** Records what happened to one item; a later outcome replaces an earlier one (attempts counted). */
export async function recordItem(
  db: Db,
  item: {
    source: string;
    itemKey: string;
    status: ItemStatus;
    dataDate: string | null;
    detail?: Record<string, unknown> | null;
    publishedAt?: Date | null;
    at: Date;
  },
): Promise<void> {
  await db
    .insert(syncItems)
    .values({
      source: item.source,
      itemKey: item.itemKey,
      status: item.status,
      dataDate: item.dataDate,
      detail: item.detail ?? null,
      publishedAt: item.publishedAt ?? null,
      firstSeenAt: item.at,
      updatedAt: item.at,
    })
    .onConflictDoUpdate({
      target: [syncItems.source, syncItems.itemKey],
      set: {
        status: item.status,
        detail: item.detail ?? null,
        publishedAt: item.publishedAt ?? null,
        updatedAt: item.at,
        attempts: sql`${syncItems.attempts} + 1`,
      },
    });
}

export interface SourceState {
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  lastStatus: string | null;
  newestDataDate: string | null;
  deadRuns: number;
  pendingRuns: number;
}

/** What `/smart-money/sources` and `sync --list` show for one source. */
export async function sourceState(db: Db, source: string): Promise<SourceState> {
  const [lastSuccess] = await db
    .select({ at: max(syncRuns.finishedAt) })
    .from(syncRuns)
    .where(and(eq(syncRuns.source, source), eq(syncRuns.status, "succeeded")));
  const [lastAttempt] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.source, source), sql`${syncRuns.startedAt} is not null`))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  const [newest] = await db
    .select({ day: max(syncItems.dataDate) })
    .from(syncItems)
    .where(and(eq(syncItems.source, source), eq(syncItems.status, "stored")));
  const counts = await db
    .select({ status: syncRuns.status, n: sql<number>`count(*)::int` })
    .from(syncRuns)
    .where(and(eq(syncRuns.source, source), inArray(syncRuns.status, ["dead", "pending", "retry"])))
    .groupBy(syncRuns.status);
  const count = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
  return {
    lastSuccessAt: lastSuccess?.at ?? null,
    lastAttemptAt: lastAttempt?.startedAt ?? null,
    lastError: lastAttempt?.lastError ?? null,
    lastStatus: lastAttempt?.status ?? null,
    newestDataDate: newest?.day ?? null,
    deadRuns: count("dead"),
    pendingRuns: count("pending") + count("retry"),
  };
}

export interface QueuedItem {
  itemKey: string;
  dataDate: string | null;
  detail: Record<string, unknown>;
  publishedAt: Date | null;
}

/** Records items found (a feed's accessions) as `queued`, unless known; returns the keys that were new. */
export async function queueItems(db: Db, source: string, items: QueuedItem[], at: Date): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = await db
    .insert(syncItems)
    .values(
      items.map((i) => ({
        source,
        itemKey: i.itemKey,
        status: "queued",
        dataDate: i.dataDate,
        detail: i.detail,
        attempts: 0,
        publishedAt: i.publishedAt,
        firstSeenAt: at,
        updatedAt: at,
      })),
    )
    .onConflictDoNothing({ target: [syncItems.source, syncItems.itemKey] })
    .returning({ key: syncItems.itemKey });
  return rows.map((r) => r.key);
}

/**
 * Claims one item to fetch: a `queued` one, a `fetching` one whose node let its lease (`leaseMs` since
 * `updated_at`) lapse, or a `failed` one with attempts left whose backoff (`retryBaseMs` doubled per
 * attempt) has passed; oldest publication first. `SKIP LOCKED` makes nodes draining the same queue take
 * different items. The claim counts an attempt.
 */
export async function claimItem(
  db: Db,
  source: string,
  o: { now: Date; leaseMs: number; maxAttempts: number; retryBaseMs: number },
): Promise<SyncItemRow | null> {
  const at = sql`${o.now.toISOString()}::timestamptz`;
  const eligible = sql`(${syncItems.status} = 'queued'
    or (${syncItems.status} = 'fetching' and ${syncItems.attempts} < ${o.maxAttempts}
      and ${syncItems.updatedAt} < ${at} - ${o.leaseMs} * interval '1 millisecond')
    or (${syncItems.status} = 'failed' and ${syncItems.attempts} < ${o.maxAttempts}
      and ${syncItems.updatedAt} < ${at} - ${o.retryBaseMs} * power(2, greatest(${syncItems.attempts} - 1, 0)) * interval '1 millisecond'))`;
  const pick = sql`(select ${syncItems.itemKey} from ${syncItems}
    where ${syncItems.source} = ${source} and ${eligible}
    order by ${syncItems.publishedAt} nulls last, ${syncItems.itemKey} limit 1 for update skip locked)`;
  const rows = await db
    .update(syncItems)
    .set({ status: "fetching", updatedAt: o.now, attempts: sql`${syncItems.attempts} + 1` })
    .where(and(eq(syncItems.source, source), eq(syncItems.itemKey, pick), eligible))
    .returning();
  return rows[0] ?? null;
}

/** Ends an item claimed by `claimItem`: stored or failed (attempts were counted by the claim). */
export async function settleItem(
  db: Db,
  source: string,
  itemKey: string,
  outcome: { status: "stored" | "failed"; detail: Record<string, unknown>; at: Date },
): Promise<void> {
  await db
    .update(syncItems)
    .set({ status: outcome.status, detail: outcome.detail, updatedAt: outcome.at })
    .where(and(eq(syncItems.source, source), eq(syncItems.itemKey, itemKey)));
}

/** Item counts of a source by status. */
export async function itemCounts(db: Db, source: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: syncItems.status, n: sql<number>`count(*)::int` })
    .from(syncItems)
    .where(eq(syncItems.source, source))
    .groupBy(syncItems.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Deletes a source's finished runs older than `before` (a feed polled every minute makes ~1,000 runs a
 * day). The latest success stays, whatever its age, so "last success" never goes blank.
 */
export async function pruneRuns(db: Db, source: string, before: Date): Promise<number> {
  const rows = await db
    .delete(syncRuns)
    .where(
      and(
        eq(syncRuns.source, source),
        inArray(syncRuns.status, ["succeeded", "dead"]),
        sql`${syncRuns.finishedAt} < ${before.toISOString()}::timestamptz`,
        sql`${syncRuns.id} <> coalesce((select max(r.id) from ${syncRuns} r
          where r.source = ${source} and r.status = 'succeeded'), 0)`,
      ),
    )
    .returning({ id: syncRuns.id });
  return rows.length;
}

/** The stored item of a source with the newest data date (ties: the latest updated). */
export async function latestStoredItem(db: Db, source: string): Promise<SyncItemRow | null> {
  const rows = await db
    .select()
    .from(syncItems)
    .where(and(eq(syncItems.source, source), eq(syncItems.status, "stored")))
    .orderBy(desc(syncItems.dataDate), desc(syncItems.updatedAt))
    .limit(1);
  return rows[0] ?? null;
}
