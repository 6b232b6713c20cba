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
export type ItemStatus = "stored" | "not_published" | "failed";

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
