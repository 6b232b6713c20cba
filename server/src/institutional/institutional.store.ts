import { once } from "node:events";
import { finished, type Writable } from "node:stream";
import { promisify } from "node:util";
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { pgArrayLiteral } from "../lib/pg-array";
import { type CopyClient, copyClient, copyField } from "../lib/pg-copy";
import { numOrNull } from "../lib/row-values";
import type { Form4Filing, Form4Row } from "./form4.parse";
import type { SecurityRecord } from "./securities";
import type { ThirteenFCover, ThirteenFHolding } from "./thirteenf.parse";

const streamFinished = promisify(finished);

/** Provenance shared by the rows of one filing. */
export interface FilingProvenance {
  /** `sec_13f_xml`, `sec_13f_dataset`, `sec_form4_xml`, `sec_insider_dataset`, `demo`. */
  source: string;
  accession: string;
  publishedAt: Date;
}

export interface ThirteenFFilingRow extends FilingProvenance {
  cover: ThirteenFCover;
  filedDate: string | null;
  valueUnit: "usd" | "thousands_usd";
}

export interface ThirteenFHoldingRow {
  accession: string;
  filerCik: string;
  periodOfReport: string;
  source: string;
  publishedAt: Date;
  holding: ThirteenFHolding;
}

/**
 * One array parameter per column, unnested server-side, so any batch size stays under Postgres' 65,534
 * bind-parameter cap. Each array travels as one array literal in a text parameter and is cast on the
 * server: postgres.js infers an array parameter's type from its first element (a `boolean[]` is sent
 * as `boolean`) and cannot serialize `date[]`/`timestamptz[]`, while a text literal works the same on
 * PGlite and postgres.js.
 */
const arr = (values: unknown[], type: string): SQL =>
  sql`${pgArrayLiteral(values)}::text::${sql.raw(type)}[]`;

/** Inserts 13F filings; returns the accessions that were new. */
export async function insert13FFilings(db: Db, filings: ThirteenFFilingRow[]): Promise<string[]> {
  if (filings.length === 0) return [];
  const col = <T>(f: (r: ThirteenFFilingRow) => T) => filings.map(f);
  const rows = rowsOf<{ accession: string }>(
    await db.execute(sql`
      insert into thirteenf_filings (accession, filer_cik, filer_name, submission_type, period_of_report, report_type,
        is_amendment, amendment_no, amendment_type, filed_date, table_entry_total, table_value_total, value_unit,
        source, source_ref, published_at)
      select * from unnest(${arr(
        col((r) => r.accession),
        "text",
      )}, ${arr(
        col((r) => r.cover.filerCik),
        "text",
      )},
        ${arr(
          col((r) => r.cover.filerName),
          "text",
        )}, ${arr(
          col((r) => r.cover.submissionType),
          "text",
        )},
        ${arr(
          col((r) => r.cover.periodOfReport),
          "date",
        )}, ${arr(
          col((r) => r.cover.reportType),
          "text",
        )},
        ${arr(
          col((r) => r.cover.isAmendment),
          "bool",
        )}, ${arr(
          col((r) => r.cover.amendmentNo),
          "int4",
        )},
        ${arr(
          col((r) => r.cover.amendmentType),
          "text",
        )}, ${arr(
          col((r) => r.filedDate),
          "date",
        )},
        ${arr(
          col((r) => r.cover.tableEntryTotal),
          "int4",
        )}, ${arr(
          col((r) => r.cover.tableValueTotal),
          "float8",
        )},
        ${arr(
          col((r) => r.valueUnit),
          "text",
        )}, ${arr(
          col((r) => r.source),
          "text",
        )},
        ${arr(
          col((r) => r.accession),
          "text",
        )}, ${arr(
          col((r) => r.publishedAt.toISOString()),
          "timestamptz",
        )})
      on conflict do nothing
      returning accession`),
  );
  return rows.map((r) => r.accession);
}

const HOLDING_COLUMNS = [
  "accession",
  "row_index",
  "filer_cik",
  "period_of_report",
  "cusip",
  "name_of_issuer",
  "title_of_class",
  "figi",
  "value_as_filed",
  "value_usd",
  "value_unit",
  "value_unit_suspect",
  "shares_or_principal",
  "shares_type",
  "put_call",
  "investment_discretion",
  "other_manager",
  "voting_sole",
  "voting_shared",
  "voting_none",
  "source",
  "source_ref",
  "published_at",
] as const;

/** The postgres.js connection calls the holdings COPY path makes (the server does not depend on postgres.js). */
interface HoldingsConnection {
  unsafe(query: string, parameters?: string[]): Promise<unknown> & { writable(): Promise<Writable> };
  release(): void;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
/** A text value in COPY text format; through `copyField` only when it holds a character needing an escape. */
const copyText = (v: string | null): string => (v === null ? "\\N" : COPY_SPECIAL.test(v) ? copyField(v) : v);

/**
 * `rows` as COPY text in pieces of about 64 KB. What a filing's rows share (accession, CIK, period,
 * source, publication time) is encoded once per run of rows.
 */
function* holdingsCopyText(rows: readonly ThirteenFHoldingRow[]): Generator<string> {
  let shared: ThirteenFHoldingRow | undefined;
  let accession = "";
  let filer = "";
  let source = "";
  let publishedAt = "";
  let chunk = "";
  for (const r of rows) {
    if (
      shared === undefined ||
      r.accession !== shared.accession ||
      r.filerCik !== shared.filerCik ||
      r.periodOfReport !== shared.periodOfReport ||
      r.source !== shared.source ||
      r.publishedAt.getTime() !== shared.publishedAt.getTime()
    ) {
      shared = r;
      accession = copyText(r.accession);
      filer = `${copyText(r.filerCik)}\t${copyText(r.periodOfReport)}`;
      source = copyText(r.source);
      publishedAt = r.publishedAt.toISOString();
    }
    const h = r.holding;
    chunk +=
      `${accession}\t${h.rowIndex}\t${filer}\t${copyText(h.cusip)}\t${copyText(h.nameOfIssuer)}\t` +
      `${copyText(h.titleOfClass)}\t${copyText(h.figi)}\t${h.valueAsFiled}\t${h.valueUsd}\t${h.valueUnit}\t` +
      `${h.valueUnitSuspect ? "t" : "f"}\t${h.sharesOrPrincipal}\t${h.sharesOrPrincipalType}\t` +
      `${copyText(h.putCall)}\t${copyText(h.investmentDiscretion)}\t${copyText(h.otherManager)}\t` +
      `${h.votingSole}\t${h.votingShared}\t${h.votingNone}\t${source}\t${accession}#${h.rowIndex}\t${publishedAt}\n`;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * `deferred`: the commit does not wait for its WAL flush (`synchronous_commit = off` for that
 * transaction only). For bulk loads that are idempotent and end with a synchronous write (the
 * `ingest_runs` row, whose flush covers everything before it): a crash mid-load can lose the last
 * batches, never corrupt anything, and a re-run stores what is missing. Saves one disk flush per batch.
 */
type CommitDurability = "flushed" | "deferred";

/**
 * COPYs `rows` into `target` (the table or its staging copy) in a transaction of its own; false when
 * Postgres refused them for a duplicate key (nothing is then stored).
 * The transaction is what makes a refusal visible: postgres.js settles a COPY stream when its data is
 * sent, and an error the server reports after the last chunk reaches no one, but the COMMIT that
 * follows then answers ROLLBACK.
 */
async function copyInTransaction(
  conn: HoldingsConnection,
  target: string,
  rows: readonly ThirteenFHoldingRow[],
  durability: CommitDurability,
): Promise<boolean> {
  await conn.unsafe("begin");
  try {
    if (durability === "deferred") await conn.unsafe("set local synchronous_commit = off");
    const sink = await conn.unsafe(`copy ${target} (${HOLDING_COLUMNS.join(", ")}) from stdin`).writable();
    const done = streamFinished(sink);
    done.catch(() => undefined); // awaited below; an early refusal rejects it while data is still flowing
    let flushed: Promise<unknown> = Promise.resolve();
    for (const text of holdingsCopyText(rows)) {
      if (sink.destroyed) await done;
      flushed = new Promise((resolve) => sink.write(text, resolve));
      if (sink.writableNeedDrain) await Promise.race([once(sink, "drain"), done]);
    }
    await Promise.race([flushed, done]);
    sink.end();
    const commit = (await afterCopy(conn, "commit")) as { command?: string };
    await done;
    return commit.command === "COMMIT";
  } catch (err) {
    await conn.unsafe("rollback").catch(() => undefined);
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * True when no stored row has the keys of `rows`. Checked per accession over the batch's row-index
 * range (one index range scan each), which can only err towards "taken": the safe direction.
 */
async function holdingKeysFree(
  conn: HoldingsConnection,
  rows: readonly ThirteenFHoldingRow[],
): Promise<boolean> {
  const ranges = new Map<string, { lo: number; hi: number }>();
  for (const r of rows) {
    const i = r.holding.rowIndex;
    const range = ranges.get(r.accession);
    if (!range) ranges.set(r.accession, { lo: i, hi: i });
    else if (i < range.lo) range.lo = i;
    else if (i > range.hi) range.hi = i;
  }
  const result = (await conn.unsafe(
    // LATERAL ... LIMIT 1 keeps this a primary-key probe per accession whatever the planner thinks of
    // the table's size (a join may become a hash join over a sequential scan of millions of rows).
    `select count(*) = 0 as free
    from unnest($1::text::text[], $2::text::int4[], $3::text::int4[]) as k(accession, lo, hi),
      lateral (select 1 from thirteenf_holdings h
        where h.accession = k.accession and h.row_index between k.lo and k.hi limit 1) as stored`,
    [
      pgArrayLiteral([...ranges.keys()]),
      pgArrayLiteral([...ranges.values()].map((r) => r.lo)),
      pgArrayLiteral([...ranges.values()].map((r) => r.hi)),
    ],
  )) as { free: boolean }[];
  return result[0]?.free === true;
}

/**
 * Runs `query` once postgres.js has let go of the COPY stream: it refuses any query (COPY_IN_PROGRESS)
 * until the stream's `end()` has gone through Node's stream machinery, a tick or so after the call.
 */
async function afterCopy(conn: HoldingsConnection, query: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await conn.unsafe(query);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "COPY_IN_PROGRESS" || attempt >= 10_000) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

const isUniqueViolation = (err: unknown) =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";

/**
 * COPY path for information-table rows on real Postgres. A batch whose keys are all free (the usual
 * case: a filing or a data set loaded for the first time) is copied straight into the table, at the
 * speed of `psql \copy`; the unique key still guards it, and if a concurrent load took a key in the
 * meantime (or the batch repeats a row) the COPY fails as a whole and the batch goes the slower way:
 * COPY into a session temp table, then `insert ... on conflict do nothing`, which skips what is stored.
 * Returns the keys of the new rows (null when every row was new) and their count.
 */
async function copyHoldings(
  client: CopyClient,
  rows: readonly ThirteenFHoldingRow[],
  returning: boolean,
  durability: CommitDurability,
): Promise<{ keys: { accession: string; row_index: number }[] | null; count: number }> {
  const conn = (await client.reserve()) as unknown as HoldingsConnection;
  try {
    if (
      (await holdingKeysFree(conn, rows)) &&
      (await copyInTransaction(conn, "thirteenf_holdings", rows, durability))
    ) {
      return { keys: null, count: rows.length };
    }
    const stage = "thirteenf_holdings_stage";
    await conn.unsafe(
      `create temp table if not exists ${stage} (like thirteenf_holdings including defaults) on commit preserve rows`,
    );
    await conn.unsafe(`truncate ${stage}`);
    if (!(await copyInTransaction(conn, stage, rows, durability)))
      throw new Error(
        `COPY of ${rows.length} 13F holdings into ${stage} was rolled back by the server (see its log)`,
      );
    const columns = HOLDING_COLUMNS.join(", ");
    const result = (await conn.unsafe(
      `insert into thirteenf_holdings (${columns}) select ${columns} from ${stage} on conflict do nothing${returning ? " returning accession, row_index" : ""}`,
    )) as unknown as { accession: string; row_index: number }[] & { count: number };
    return { keys: returning ? [...result] : [], count: result.count };
  } finally {
    conn.release();
  }
}

/**
 * Inserts information-table rows and returns only how many were new: the bulk loader's path, which
 * spares the server a `returning` of every row and does not wait for each batch's commit to reach the
 * disk (see `CommitDurability`; the loader's final `ingest_runs` write makes the whole load durable).
 */
export async function insert13FHoldingsCount(db: Db, rows: ThirteenFHoldingRow[]): Promise<number> {
  const client = copyClient(db, rows.length);
  if (client) return (await copyHoldings(client, rows, false, "deferred")).count;
  return rows.length === 0 ? 0 : (await insertHoldingsUnnest(db, rows)).length;
}

/** Inserts information-table rows; returns the rows that were new. */
export async function insert13FHoldings(db: Db, rows: ThirteenFHoldingRow[]): Promise<ThirteenFHoldingRow[]> {
  if (rows.length === 0) return [];
  const client = copyClient(db, rows.length);
  if (client) {
    const inserted = (await copyHoldings(client, rows, true, "flushed")).keys;
    if (inserted === null || inserted.length === rows.length) return rows;
    const fresh = new Set(inserted.map((r) => `${r.accession}#${r.row_index}`));
    return rows.filter((r) => fresh.has(`${r.accession}#${r.holding.rowIndex}`));
  }
  const inserted = await insertHoldingsUnnest(db, rows);
  if (inserted.length === rows.length) return rows;
  const fresh = new Set(inserted.map((r) => `${r.accession}#${r.row_index}`));
  return rows.filter((r) => fresh.has(`${r.accession}#${r.holding.rowIndex}`));
}

/** Bind-parameter path (PGlite, transactions, small batches): one array per column; returns the new keys. */
async function insertHoldingsUnnest(
  db: Db,
  rows: ThirteenFHoldingRow[],
): Promise<{ accession: string; row_index: number }[]> {
  const col = <T>(f: (r: ThirteenFHoldingRow) => T) => rows.map(f);
  const h = <T>(f: (x: ThirteenFHolding) => T) => rows.map((r) => f(r.holding));
  return rowsOf<{ accession: string; row_index: number }>(
    await db.execute(sql`
      insert into thirteenf_holdings (accession, row_index, filer_cik, period_of_report, cusip, name_of_issuer,
        title_of_class, figi, value_as_filed, value_usd, value_unit, value_unit_suspect, shares_or_principal,
        shares_type, put_call, investment_discretion, other_manager, voting_sole, voting_shared, voting_none,
        source, source_ref, published_at)
      select * from unnest(${arr(
        col((r) => r.accession),
        "text",
      )}, ${arr(
        h((x) => x.rowIndex),
        "int4",
      )},
        ${arr(
          col((r) => r.filerCik),
          "text",
        )}, ${arr(
          col((r) => r.periodOfReport),
          "date",
        )},
        ${arr(
          h((x) => x.cusip),
          "text",
        )}, ${arr(
          h((x) => x.nameOfIssuer),
          "text",
        )},
        ${arr(
          h((x) => x.titleOfClass),
          "text",
        )}, ${arr(
          h((x) => x.figi),
          "text",
        )},
        ${arr(
          h((x) => x.valueAsFiled),
          "float8",
        )}, ${arr(
          h((x) => x.valueUsd),
          "float8",
        )},
        ${arr(
          h((x) => x.valueUnit),
          "text",
        )}, ${arr(
          h((x) => x.valueUnitSuspect),
          "bool",
        )},
        ${arr(
          h((x) => x.sharesOrPrincipal),
          "float8",
        )}, ${arr(
          h((x) => x.sharesOrPrincipalType),
          "text",
        )},
        ${arr(
          h((x) => x.putCall),
          "text",
        )}, ${arr(
          h((x) => x.investmentDiscretion),
          "text",
        )},
        ${arr(
          h((x) => x.otherManager),
          "text",
        )}, ${arr(
          h((x) => x.votingSole),
          "float8",
        )},
        ${arr(
          h((x) => x.votingShared),
          "float8",
        )}, ${arr(
          h((x) => x.votingNone),
          "float8",
        )},
        ${arr(
          col((r) => r.source),
          "text",
        )}, ${arr(
          col((r) => `${r.accession}#${r.holding.rowIndex}`),
          "text",
        )},
        ${arr(
          col((r) => r.publishedAt.toISOString()),
          "timestamptz",
        )})
      on conflict do nothing
      returning accession, row_index`),
  );
}

export interface InsiderFilingRow extends FilingProvenance {
  filing: Form4Filing;
}

export interface InsiderRow {
  accession: string;
  issuerCik: string;
  issuerSymbol: string | null;
  aff10b5One: boolean | null;
  owner: { cik: string; name: string | null; roles: string; officerTitle: string | null };
  source: string;
  publishedAt: Date;
  row: Form4Row;
}

export const tableNameOf = (row: Form4Row): string =>
  `${row.table}${row.kind === "transaction" ? "Transaction" : "Holding"}`;

/** `director,officer` from the relationship boxes of a reporting owner. */
export function rolesOf(owner: Form4Filing["reportingOwners"][number] | undefined): string {
  if (!owner) return "";
  const roles: string[] = [];
  if (owner.isDirector) roles.push("director");
  if (owner.isOfficer) roles.push("officer");
  if (owner.isTenPercentOwner) roles.push("ten_percent_owner");
  if (owner.isOther) roles.push("other");
  return roles.join(",");
}

export async function insertInsiderFilings(db: Db, filings: InsiderFilingRow[]): Promise<string[]> {
  if (filings.length === 0) return [];
  const f = <T>(g: (r: InsiderFilingRow) => T) => filings.map(g);
  const rows = rowsOf<{ accession: string }>(
    await db.execute(sql`
      insert into insider_filings (accession, issuer_cik, issuer_name, issuer_symbol, document_type, period_of_report,
        filed_date, aff10b5_one, reporting_owners, footnotes, source, source_ref, published_at)
      select u.accession, u.issuer_cik, u.issuer_name, u.issuer_symbol, u.document_type, u.period_of_report,
        u.filed_date, u.aff10b5_one, u.owners::jsonb, u.footnotes::jsonb, u.source, u.accession, u.published_at
      from unnest(${arr(
        f((r) => r.accession),
        "text",
      )}, ${arr(
        f((r) => r.filing.issuerCik),
        "text",
      )},
        ${arr(
          f((r) => r.filing.issuerName),
          "text",
        )}, ${arr(
          f((r) => r.filing.issuerTradingSymbol),
          "text",
        )},
        ${arr(
          f((r) => r.filing.documentType),
          "text",
        )}, ${arr(
          f((r) => r.filing.periodOfReport),
          "date",
        )},
        ${arr(
          f((r) => r.filing.filedDate),
          "date",
        )}, ${arr(
          f((r) => r.filing.aff10b5One),
          "bool",
        )},
        ${arr(
          f((r) => JSON.stringify(r.filing.reportingOwners)),
          "text",
        )},
        ${arr(
          f((r) => JSON.stringify(r.filing.footnotes)),
          "text",
        )}, ${arr(
          f((r) => r.source),
          "text",
        )},
        ${arr(
          f((r) => r.publishedAt.toISOString()),
          "timestamptz",
        )})
        as u(accession, issuer_cik, issuer_name, issuer_symbol, document_type, period_of_report, filed_date,
          aff10b5_one, owners, footnotes, source, published_at)
      on conflict do nothing
      returning accession`),
  );
  return rows.map((r) => r.accession);
}

export async function insertInsiderRows(db: Db, rows: InsiderRow[]): Promise<InsiderRow[]> {
  if (rows.length === 0) return [];
  const c = <T>(g: (r: InsiderRow) => T) => rows.map(g);
  const x = <T>(g: (r: Form4Row) => T) => rows.map((r) => g(r.row));
  const inserted = rowsOf<{ accession: string; table_name: string; row_index: number }>(
    await db.execute(sql`
      insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
        owner_name, owner_roles, officer_title, security_title, transaction_date, code, acquired_disposed, shares,
        price_usd, value_usd, shares_owned_after, direct_indirect, nature_of_ownership, is_derivative,
        conversion_or_exercise_price_usd, expiration_date, underlying_shares, aff10b5_one, footnote_ids, source,
        source_ref, published_at)
      select u.issuer_cik, u.accession, u.table_name, u.row_index, u.issuer_symbol, u.owner_cik, u.owner_name,
        u.owner_roles, u.officer_title, u.security_title, u.transaction_date, u.code, u.ad, u.shares, u.price,
        u.shares * u.price, u.after, u.di, u.nature, u.is_derivative, u.conv, u.expiration, u.underlying, u.aff,
        u.footnotes::jsonb, u.source, u.accession, u.published_at
      from unnest(${arr(
        c((r) => r.issuerCik),
        "text",
      )}, ${arr(
        c((r) => r.accession),
        "text",
      )},
        ${arr(x(tableNameOf), "text")}, ${arr(
          x((r) => r.rowIndex),
          "int4",
        )}, ${arr(
          c((r) => r.issuerSymbol),
          "text",
        )},
        ${arr(
          c((r) => r.owner.cik),
          "text",
        )}, ${arr(
          c((r) => r.owner.name),
          "text",
        )},
        ${arr(
          c((r) => r.owner.roles),
          "text",
        )}, ${arr(
          c((r) => r.owner.officerTitle),
          "text",
        )},
        ${arr(
          x((r) => r.securityTitle),
          "text",
        )}, ${arr(
          x((r) => r.transactionDate),
          "date",
        )},
        ${arr(
          x((r) => r.code),
          "text",
        )}, ${arr(
          x((r) => r.acquiredDisposed),
          "text",
        )},
        ${arr(
          x((r) => r.shares),
          "float8",
        )}, ${arr(
          x((r) => r.pricePerShareUsd),
          "float8",
        )},
        ${arr(
          x((r) => r.sharesOwnedAfter),
          "float8",
        )}, ${arr(
          x((r) => r.directIndirect),
          "text",
        )},
        ${arr(
          x((r) => r.natureOfOwnership),
          "text",
        )}, ${arr(
          x((r) => r.table === "derivative"),
          "bool",
        )},
        ${arr(
          x((r) => r.conversionOrExercisePriceUsd),
          "float8",
        )}, ${arr(
          x((r) => r.expirationDate),
          "date",
        )},
        ${arr(
          x((r) => r.underlyingSecurityShares),
          "float8",
        )}, ${arr(
          c((r) => r.aff10b5One),
          "bool",
        )},
        ${arr(
          x((r) => JSON.stringify(r.footnoteIds)),
          "text",
        )}, ${arr(
          c((r) => r.source),
          "text",
        )},
        ${arr(
          c((r) => r.publishedAt.toISOString()),
          "timestamptz",
        )})
        as u(issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik, owner_name, owner_roles,
          officer_title, security_title, transaction_date, code, ad, shares, price, after, di, nature, is_derivative,
          conv, expiration, underlying, aff, footnotes, source, published_at)
      on conflict do nothing
      returning accession, table_name, row_index`),
  );
  if (inserted.length === rows.length) return rows;
  const key = (a: string, t: string, i: number) => `${a}|${t}|${i}`;
  const fresh = new Set(inserted.map((r) => key(r.accession, r.table_name, r.row_index)));
  return rows.filter((r) => fresh.has(key(r.accession, tableNameOf(r.row), r.row.rowIndex)));
}

/** Upserts CUSIP mappings; a source's newer answer replaces its older one. Returns how many were written. */
export async function upsertSecurities(
  db: Db,
  records: SecurityRecord[],
  sourceRef: string,
  publishedAt: Date,
): Promise<number> {
  if (records.length === 0) return 0;
  const c = <T>(g: (r: SecurityRecord) => T) => records.map(g);
  const rows = rowsOf<{ cusip: string }>(
    await db.execute(sql`
      insert into securities (cusip, symbol, name, cik, shares_outstanding, shares_as_of, source, source_ref, published_at)
      select * from unnest(${arr(
        c((r) => r.cusip),
        "text",
      )}, ${arr(
        c((r) => r.symbol),
        "text",
      )},
        ${arr(
          c((r) => r.name),
          "text",
        )}, ${arr(
          c((r) => r.cik),
          "text",
        )},
        ${arr(
          c((r) => r.sharesOutstanding),
          "float8",
        )}, ${arr(
          c((r) => r.sharesAsOf),
          "date",
        )},
        ${arr(
          c((r) => r.source),
          "text",
        )}, ${arr(
          c(() => sourceRef),
          "text",
        )},
        ${arr(
          c(() => publishedAt.toISOString()),
          "timestamptz",
        )})
      on conflict (cusip, source) do update set symbol = excluded.symbol,
        name = coalesce(excluded.name, securities.name), cik = coalesce(excluded.cik, securities.cik),
        shares_outstanding = coalesce(excluded.shares_outstanding, securities.shares_outstanding),
        shares_as_of = coalesce(excluded.shares_as_of, securities.shares_as_of),
        source_ref = excluded.source_ref, published_at = excluded.published_at, ingested_at = now()
      returning cusip`),
  );
  return rows.length;
}

/** Preference when sources disagree about a CUSIP: the user's own file first. */
const SOURCE_RANK = sql.raw(
  `case source when 'user_csv' then 0 when 'openfigi' then 1 when 'demo' then 3 else 2 end`,
);

export interface SymbolSecurities {
  cusips: string[];
  sharesOutstanding: number | null;
  sharesAsOf: string | null;
  name: string | null;
}

/** The CUSIPs that mean `symbol` (each CUSIP's best-ranked source decides) and its shares outstanding. */
export async function securitiesForSymbol(db: Db, symbol: string): Promise<SymbolSecurities> {
  const rows = rowsOf<{
    cusip: string;
    name: string | null;
    shares_outstanding: number | null;
    shares_as_of: string | null;
  }>(
    await db.execute(sql`
      select cusip, name, shares_outstanding, shares_as_of::text as shares_as_of from (
        select distinct on (cusip) cusip, symbol, name, shares_outstanding, shares_as_of
        from securities order by cusip, ${SOURCE_RANK}, published_at desc
      ) best where symbol = ${symbol}
      order by shares_as_of desc nulls last`),
  );
  const withShares = rows.find((r) => r.shares_outstanding !== null);
  return {
    cusips: rows.map((r) => r.cusip),
    sharesOutstanding: withShares ? Number(withShares.shares_outstanding) : null,
    sharesAsOf: withShares?.shares_as_of ?? null,
    name: rows[0]?.name ?? null,
  };
}

/**
 * CUSIPs held in 13F filings that no source maps to a symbol, largest total value first. Demo rows are
 * left out: their CUSIPs are made up and must never reach a mapping service or top a real list.
 */
export async function unmappedCusips(db: Db, limit = 100) {
  return rowsOf<{ cusip: string; name_of_issuer: string; rows: number; value_usd: number }>(
    await db.execute(sql`
      select h.cusip, max(h.name_of_issuer) as name_of_issuer, count(*)::int as rows, sum(h.value_usd) as value_usd
      from thirteenf_holdings h
      where not exists (select 1 from securities s where s.cusip = h.cusip) and h.source <> 'demo'
      group by h.cusip order by sum(h.value_usd) desc limit ${limit}`),
  );
}

/**
 * Accessions that make up each filer's report for a period as known at `asOf`: the latest original or
 * RESTATEMENT filing published by then (a restatement replaces everything before it), plus the NEW
 * HOLDINGS amendments published after that base (they add rows). 13F NOTICE filings hold no positions.
 */
function effectiveFilings(period: string, asOf: Date): SQL {
  return sql`
    with f as (
      select accession, filer_cik, filer_name, amendment_type, published_at from thirteenf_filings
      where period_of_report = ${period}::date and published_at <= ${asOf.toISOString()}::timestamptz
        and coalesce(report_type, '') <> '13F NOTICE'
    ), base as (
      select distinct on (filer_cik) filer_cik, accession, published_at from f
      where amendment_type is distinct from 'NEW HOLDINGS'
      order by filer_cik, published_at desc, accession desc
    )
    select b.filer_cik, b.accession from base b
    union all
    select f.filer_cik, f.accession from f join base b on b.filer_cik = f.filer_cik
    where f.amendment_type = 'NEW HOLDINGS' and f.published_at > b.published_at`;
}

export interface FilerPosition {
  filerCik: string;
  filerName: string | null;
  /** Shares in share positions (SH rows without put/call). */
  shares: number;
  valueUsd: number;
  /** Option rows kept apart: underlying value of puts and calls. */
  putValueUsd: number;
  callValueUsd: number;
  valueUnitSuspect: boolean;
  /** Value of every row of the filer's report for the period (its portfolio). */
  portfolioValueUsd: number;
  publishedAt: Date;
  accessions: string[];
}

/** Per-filer positions in the given CUSIPs for one period, as known at `asOf`. */
export async function positionsByFiler(
  db: Db,
  cusips: string[],
  period: string,
  asOf: Date,
): Promise<FilerPosition[]> {
  if (cusips.length === 0) return [];
  const rows = rowsOf<{
    filer_cik: string;
    filer_name: string | null;
    shares: number;
    value_usd: number;
    put_value: number;
    call_value: number;
    suspect: boolean;
    portfolio: number;
    published_at: Date | string;
    accessions: string[];
  }>(
    await db.execute(sql`
      with eff as (${effectiveFilings(period, asOf)}),
      pos as (
        select e.filer_cik,
          sum(case when h.shares_type = 'SH' and h.put_call is null then h.shares_or_principal else 0 end) as shares,
          sum(case when h.put_call is null then h.value_usd else 0 end) as value_usd,
          sum(case when h.put_call = 'Put' then h.value_usd else 0 end) as put_value,
          sum(case when h.put_call = 'Call' then h.value_usd else 0 end) as call_value,
          bool_or(h.value_unit_suspect) as suspect
        from eff e join thirteenf_holdings h on h.accession = e.accession
        where h.cusip = any(${sql.param(cusips)}::text[])
        group by e.filer_cik
      ), totals as (
        select e.filer_cik, sum(h.value_usd) as portfolio
        from eff e join thirteenf_holdings h on h.accession = e.accession
        where e.filer_cik in (select filer_cik from pos)
        group by e.filer_cik
      ), meta as (
        select e.filer_cik, max(f.filer_name) as filer_name, max(f.published_at) as published_at,
          array_agg(e.accession order by e.accession) as accessions
        from eff e join thirteenf_filings f on f.accession = e.accession group by e.filer_cik
      )
      select p.*, t.portfolio, m.filer_name, m.published_at, m.accessions
      from pos p join totals t using (filer_cik) join meta m using (filer_cik)`),
  );
  return rows.map((r) => ({
    filerCik: r.filer_cik,
    filerName: r.filer_name,
    shares: Number(r.shares),
    valueUsd: Number(r.value_usd),
    putValueUsd: Number(r.put_value),
    callValueUsd: Number(r.call_value),
    valueUnitSuspect: Boolean(r.suspect),
    portfolioValueUsd: Number(r.portfolio),
    publishedAt: new Date(r.published_at),
    accessions: r.accessions,
  }));
}

/** Which of `filers` have a report for `period` known at `asOf` (a missing report is not a sale). */
export async function filersReporting(
  db: Db,
  filers: string[],
  period: string,
  asOf: Date,
): Promise<Set<string>> {
  if (filers.length === 0) return new Set();
  const rows = rowsOf<{ filer_cik: string }>(
    await db.execute(sql`
      with eff as (${effectiveFilings(period, asOf)})
      select distinct filer_cik from eff where filer_cik = any(${sql.param(filers)}::text[])`),
  );
  return new Set(rows.map((r) => r.filer_cik));
}

/** Periods (quarter ends) with filings holding these CUSIPs published by `asOf`, newest first. */
export async function periodsWithHoldings(db: Db, cusips: string[], asOf: Date): Promise<string[]> {
  if (cusips.length === 0) return [];
  const rows = rowsOf<{ period: string }>(
    await db.execute(sql`
      select distinct period_of_report::text as period from thirteenf_holdings
      where cusip = any(${sql.param(cusips)}::text[]) and published_at <= ${asOf.toISOString()}::timestamptz
      order by 1 desc limit 12`),
  );
  return rows.map((r) => r.period);
}

export interface InsiderTransactionRow {
  accession: string;
  tableName: string;
  rowIndex: number;
  ownerCik: string;
  ownerName: string | null;
  ownerRoles: string;
  officerTitle: string | null;
  securityTitle: string | null;
  transactionDate: string | null;
  code: string | null;
  acquiredDisposed: string | null;
  shares: number | null;
  priceUsd: number | null;
  valueUsd: number | null;
  sharesOwnedAfter: number | null;
  directIndirect: string | null;
  isDerivative: boolean;
  aff10b5One: boolean | null;
  footnoteIds: Record<string, string[]>;
  publishedAt: Date;
  source: string;
}

/** Insider transactions (not holdings) of an issuer symbol published by `asOf`, newest first. */
export async function insiderTransactions(
  db: Db,
  q: { symbol: string; asOf: Date; since?: string | undefined; limit: number },
): Promise<InsiderTransactionRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select accession, table_name, row_index, owner_cik, owner_name, owner_roles, officer_title, security_title,
        transaction_date::text as transaction_date, code, acquired_disposed, shares, price_usd, value_usd,
        shares_owned_after, direct_indirect, is_derivative, aff10b5_one, footnote_ids, published_at, source
      from insider_transactions
      where issuer_symbol = ${q.symbol} and table_name like '%Transaction'
        and published_at <= ${q.asOf.toISOString()}::timestamptz
        ${q.since ? sql`and transaction_date >= ${q.since}::date` : sql``}
      order by transaction_date desc nulls last, accession desc, table_name, row_index
      limit ${q.limit}`),
  );
  return rows.map((r) => ({
    accession: r.accession as string,
    tableName: r.table_name as string,
    rowIndex: Number(r.row_index),
    ownerCik: r.owner_cik as string,
    ownerName: (r.owner_name as string | null) ?? null,
    ownerRoles: r.owner_roles as string,
    officerTitle: (r.officer_title as string | null) ?? null,
    securityTitle: (r.security_title as string | null) ?? null,
    transactionDate: (r.transaction_date as string | null) ?? null,
    code: (r.code as string | null) ?? null,
    acquiredDisposed: (r.acquired_disposed as string | null) ?? null,
    shares: numOrNull(r.shares),
    priceUsd: numOrNull(r.price_usd),
    valueUsd: numOrNull(r.value_usd),
    sharesOwnedAfter: numOrNull(r.shares_owned_after),
    directIndirect: (r.direct_indirect as string | null) ?? null,
    isDerivative: Boolean(r.is_derivative),
    aff10b5One: r.aff10b5_one === null || r.aff10b5_one === undefined ? null : Boolean(r.aff10b5_one),
    footnoteIds: (typeof r.footnote_ids === "string" ? JSON.parse(r.footnote_ids) : r.footnote_ids) as Record<
      string,
      string[]
    >,
    publishedAt: new Date(r.published_at as string),
    source: r.source as string,
  }));
}

/** Newest `published_at` and row counts by source, for the `freshness` and `sources` of payloads. */
export async function institutionalSources(
  db: Db,
  table: "thirteenf_filings" | "insider_filings",
  asOf: Date,
) {
  return rowsOf<{ source: string; rows: number; latest: Date | string | null; latest_ref: string | null }>(
    await db.execute(sql`
      select source, count(*)::int as rows, max(published_at) as latest,
        (array_agg(source_ref order by published_at desc))[1] as latest_ref
      from ${sql.raw(table)} where published_at <= ${asOf.toISOString()}::timestamptz group by source`),
  );
}

/**
 * Closing prices near a period end for the CUSIPs given, through the securities mapping and the stored
 * daily bars (last close within the 7 days up to the period end), for the 13F unit check.
 */
export async function closesNearPeriodEnd(
  db: Db,
  cusips: string[],
  period: string,
): Promise<Map<string, number>> {
  if (cusips.length === 0) return new Map();
  const rows = rowsOf<{ cusip: string; close: number }>(
    await db.execute(sql`
      select distinct on (s.cusip) s.cusip, b.close
      from securities s join daily_bars b on b.symbol = s.symbol
      where s.cusip = any(${pgArrayLiteral([...new Set(cusips)])}::text::text[])
        and b.day <= ${period}::date and b.day > ${period}::date - 7
      order by s.cusip, b.day desc`),
  );
  return new Map(rows.map((r) => [r.cusip, Number(r.close)]));
}
