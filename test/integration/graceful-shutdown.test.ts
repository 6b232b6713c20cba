/**
 * SIGTERM while uploads are streaming in: the node stops accepting, finishes what it acknowledged, and
 * exits 0; after a restart on the same database every acknowledged print is there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../support/db";
import { type NodeProcess, spawnNode } from "../support/processes";

const SYMBOL = "GRACE";

describe("graceful shutdown on SIGTERM", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "smt-graceful-"));
  let db: Awaited<ReturnType<typeof openTestDb>> | null = null;
  let node: NodeProcess | null = null;

  afterAll(async () => {
    await node?.stop();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("every print acknowledged before or during shutdown is stored", async () => {
    // A real Postgres when there is one (as deployed), else the embedded folder.
    const env: Record<string, string> = {
      DEMO: "off",
      RATE_LIMIT_PER_MINUTE: "0",
      REDIS_URL: "",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
    };
    if (engines().includes("postgres")) {
      db = await openTestDb("postgres");
      env.DATABASE_URL = db.url ?? "";
    }
    node = await spawnNode(env);
    const url = node.url;

    // Four writers upload 50-print files back to back until the node stops answering.
    const acknowledged: string[] = [];
    let refused = 0;
    let n = 0;
    const base = Date.now() - 60_000;
    const writer = async () => {
      for (;;) {
        const batch = n++;
        const ids = Array.from({ length: 50 }, (_, i) => `g-${batch}-${i}`);
        const body = ids
          .map((id, i) =>
            JSON.stringify({
              symbol: SYMBOL,
              timestamp: new Date(base + batch * 50 + i).toISOString(),
              price: 20,
              size: 100 + i,
              id,
            }),
          )
          .join("\n");
        try {
          const res = await fetch(`${url}/smart-money/ingest/prints?name=g-${batch}.ndjson`, {
            method: "POST",
            body: `${body}\n`,
            headers: { "content-type": "application/x-ndjson" },
          });
          const json = (await res.json()) as { accepted?: number };
          if (res.status === 200 && json.accepted === 50) acknowledged.push(...ids);
          else throw new Error(`unexpected answer ${res.status} ${JSON.stringify(json)}`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith("unexpected")) throw error;
          refused++; // connection refused or cut: not acknowledged, the client would retry
          return;
        }
      }
    };
    const writers = Array.from({ length: 4 }, () => writer());
    while (acknowledged.length < 1000) await new Promise((r) => setTimeout(r, 10));
    const code = await node.stop();
    await Promise.all(writers);
    expect(code).toBe(0);
    expect(node.output()).not.toMatch(/ERROR/);
    expect(refused).toBeGreaterThan(0);

    // Restart on the same database and count what is stored.
    node = await spawnNode(env);
    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = (await (
        await fetch(
          `${node.url}/smart-money/dark-pool/${SYMBOL}/prints?limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
        )
      ).json()) as { prints: { trade_key: string }[]; next_cursor: string | null };
      for (const p of page.prints) stored.add(p.trade_key.slice(p.trade_key.lastIndexOf("|") + 1));
      cursor = page.next_cursor;
    } while (cursor);
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length);
  });
});
