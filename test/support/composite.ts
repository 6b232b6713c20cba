/** What the composite leaderboard tests share: their data and the per-symbol payloads' component names. */
import { buildTestApp } from "./app";
import type { Engine } from "./db";

/** The Smart Money Index's components (docs/methodology.md "Smart Money Index"). */
export const SMI = ["dark_pool", "short_volume", "block_flow", "options", "institutional", "insider"];
/** The accumulation score's components. */
export const ACC = ["institutional", "dark_pool", "block_flow", "insider"];

/** One score component as `/analytics/{symbol}/indicators` and `/flow` answer it. */
export interface Component {
  name: string;
  normalized: number | null;
  effective_weight: number;
  available: boolean;
  as_of: string | null;
}

/**
 * A test app (response cache off) with demo history for `symbols`, each a day longer than the one before
 * so their scores differ.
 */
export async function compositeTestApp(engine: Engine, symbols: string[]) {
  const t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0", RESPONSE_CACHE_TTL_MS: "0" });
  for (const [i, s] of symbols.entries()) {
    const res = await t.app.request(`/smart-money/demo/${s}/generate-data?days=${8 + i}`, { method: "POST" });
    if (res.status !== 200) throw new Error(`demo ${s}: ${res.status} ${await res.text()}`);
  }
  return t;
}
