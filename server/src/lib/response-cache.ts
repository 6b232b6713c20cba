/**
 * Whole-response cache for the heavy per-symbol reads (`/dark-pool/{symbol}/summary`,
 * `/analytics/{symbol}/indicators|flow|dashboard`) asked "as of now".
 *
 * A payload is reused only while everything it could have read is unchanged, checked on every request with
 * one query: the symbol's `data_versions.version` (its prints, bars, FINRA short volume and ATS rows) and
 * the sum of `area_versions` (13F, securities, Form 4, options, alerts). Both are bumped by triggers in the
 * same transaction as the write, whichever process wrote, so a cached payload never hides stored data.
 * What does change without a write is the clock: ages, staleness flags and trailing windows are relative
 * to `as_of`. A reused payload keeps the `as_of` it was computed at (so its numbers stay consistent with
 * each other) and is recomputed once it is `ttlMs` old, or at once when the symbol holds an event or
 * publication time later than now (a "now" payload would change when that moment passes).
 *
 * Not cached: requests with `as_of` (point in time; the store-level read cache in darkpool/rollups.ts still
 * serves their reads) and error responses.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { pgArrayLiteral } from "./pg-array";
import { dateOrNull, num } from "./row-values";
import { normalizeSymbol } from "./symbols";

export interface ResponseCacheOptions {
  /** Longest a payload is reused, ms. 0 turns the cache off. */
  ttlMs: number;
  /** Payloads kept; the least recently stored go first. */
  maxEntries?: number;
  now?: () => Date;
}

interface Versions {
  symbol: number;
  areas: number;
  /** Newest event or publication time stored for the symbol, ms. */
  maxTimeMs: number;
}

interface Entry extends Omit<Versions, "maxTimeMs"> {
  computedAt: number;
  expiresAt: number;
  /** The JSON, encoded once. */
  body: Promise<Uint8Array<ArrayBuffer>>;
}

const utf8 = new TextEncoder();

/** `X-Cache` header values: `hit` (reused), `miss` (computed and stored), `bypass` (not cacheable). */
export type CacheOutcome = "hit" | "miss" | "bypass";

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  /** Symbols whose versions were asked for while a read was in flight, with who is waiting. */
  private queued = new Map<string, { resolve(v: Versions): void; reject(e: unknown): void }[]>();
  private reading = false;
  private readonly maxEntries: number;
  private readonly now: () => Date;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Db,
    private readonly options: ResponseCacheOptions,
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The versions of `symbol`, read after this call. Calls made while a read is in flight share the next one
   * (one query for every symbol asked meanwhile), so under load the check costs a fraction of a round trip
   * per request and still never returns versions from before the request arrived.
   */
  private versions(symbol: string): Promise<Versions> {
    return new Promise((resolve, reject) => {
      let waiters = this.queued.get(symbol);
      if (!waiters) {
        waiters = [];
        this.queued.set(symbol, waiters);
      }
      waiters.push({ resolve, reject });
      if (!this.reading) this.readQueued();
    });
  }

  private readQueued(): void {
    const batch = this.queued;
    this.queued = new Map();
    this.reading = true;
    this.readVersions([...batch.keys()])
      .then(
        (found) => {
          for (const [symbol, waiters] of batch) {
            const v = found.get(symbol) ?? { symbol: 0, areas: 0, maxTimeMs: 0 };
            for (const w of waiters) w.resolve(v);
          }
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
        },
      )
      .finally(() => {
        this.reading = false;
        if (this.queued.size > 0) this.readQueued();
      });
  }

  private async readVersions(symbols: string[]): Promise<Map<string, Versions>> {
    const rows = rowsOf<{ symbol: string; v: unknown; t: unknown; a: unknown }>(
      await this.db.execute(sql`
        select s.symbol, v.version as v, v.max_time as t,
          (select coalesce(sum(version), 0) from area_versions) as a
        from unnest(${pgArrayLiteral(symbols)}::text[]) as s (symbol)
          left join data_versions v on v.symbol = s.symbol`),
    );
    return new Map(
      rows.map((r) => [
        r.symbol,
        {
          symbol: num(r.v),
          areas: num(r.a),
          maxTimeMs: dateOrNull(r.t)?.getTime() ?? 0,
        },
      ]),
    );
  }

  /**
   * Answers with `compute()`'s payload as JSON, reused while the symbol's and the areas' versions are the
   * ones it was computed at and it is younger than the TTL. Concurrent misses for one key share one
   * computation. Errors from `compute()` propagate (to the app's error handler) and are not stored.
   */
  async json<T>(
    c: Context,
    symbolParam: string,
    compute: () => Promise<T>,
  ): Promise<TypedResponse<JSONParsed<T>, 200, "json">> {
    const respond = (body: string | Uint8Array<ArrayBuffer>, outcome: CacheOutcome) =>
      c.body(body, 200, {
        "content-type": "application/json",
        "x-cache": outcome,
      }) as unknown as TypedResponse<JSONParsed<T>, 200, "json">;
    let symbol: string | null = null;
    try {
      symbol = normalizeSymbol(symbolParam);
    } catch {
      // An invalid symbol: compute() reports it.
    }
    if (this.options.ttlMs <= 0 || c.req.query("as_of") !== undefined || symbol === null) {
      return respond(JSON.stringify(await compute()), "bypass");
    }
    const versions = await this.versions(symbol);
    const now = this.now().getTime();
    // No version row: nothing stored under this spelling. It may be an alias the route resolves to another
    // symbol (`BRKB` -> `BRK.B`, lib/symbols.ts), whose changes this spelling's version would never show.
    if (versions.maxTimeMs > now || versions.symbol === 0)
      return respond(JSON.stringify(await compute()), "bypass");

    // Path and query string as sent: the same request spelled differently only costs another entry.
    const url = c.req.url;
    const key = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const hit = this.entries.get(key);
    if (
      hit &&
      hit.symbol >= versions.symbol &&
      hit.areas >= versions.areas &&
      hit.computedAt <= now &&
      now < hit.expiresAt
    ) {
      this.hits++;
      return respond(await hit.body, "hit");
    }
    this.misses++;
    const entry: Entry = {
      symbol: versions.symbol,
      areas: versions.areas,
      computedAt: now,
      expiresAt: now + this.options.ttlMs,
      body: compute().then((payload) => utf8.encode(JSON.stringify(payload))),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    try {
      return respond(await entry.body, "miss");
    } catch (err) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw err;
    }
  }
}
