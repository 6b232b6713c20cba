import { openDb } from "@smt/db";
import { PgDialect } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { insiderBoard, insiderPageDetails } from "./src/institutional/market.service";
import { insiderClusters } from "./src/institutional/insider-clusters";
const url = process.env.URL as string;
const h = await openDb({ url, migrate: false, maxConnections: 1 });
const client = postgres(url, { max: 1, connection: { jit: "off" } });
const dialect = new PgDialect();
const db = h.db as any;
const orig = db.execute.bind(db);
const explain = process.env.EXPLAIN === "1";
db.execute = async (q: any) => {
  const { sql: text, params } = dialect.sqlToQuery(q);
  if (explain) {
    const r = await client.unsafe(`explain (analyze, buffers) ${text}`, params as any[]);
    console.log(r.map((x: any) => x["QUERY PLAN"]).join("\n"));
    console.log("-----");
  }
  const t0 = performance.now();
  const out = await orig(q);
  console.log("stmt ms", (performance.now() - t0).toFixed(2));
  return out;
};
const asOf = new Date(process.env.AS_OF ?? "2026-11-20T23:30:00Z");
const what = process.env.WHAT ?? "buy";
for (let i = 0; i < Number(process.env.REPEAT ?? 1); i++) {
  const t0 = performance.now();
  if (what === "clusters") {
    const c = await insiderClusters(h.db, { asOf, since: "2026-08-22", minInsiders: 3, windowDays: 14, page: { offset: 0, limit: 50 } });
    console.log("clusters", c.clusters.length);
  } else {
    const b = await insiderBoard(h.db, { asOf, days: Number(process.env.DAYS ?? 30), side: what as "buy" | "sell", order: "desc", limit: 50, offset: 0 });
    await insiderPageDetails(h.db, { ...b, asOf }, b.rows);
    console.log("rows", b.rows.length, "total", b.total);
  }
  console.log("total ms", (performance.now() - t0).toFixed(1));
}
await client.end();
await h.close();
