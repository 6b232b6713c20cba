import type { Env } from "./env";

export interface BannerFacts {
  url: string;
  database: "pglite" | "postgres";
  feed: string | null;
}

/** What `pnpm start` prints: where to go, what it runs on, and who can reach it. */
export function startBanner(env: Env, s: BannerFacts): string {
  return [
    "",
    "Smart Money Tracker is running",
    `  dashboard:  ${s.url}/smart-money/dashboard`,
    `  API docs:   ${s.url}/docs   (OpenAPI: ${s.url}/openapi.json)`,
    `  health:     ${s.url}/health`,
    `  database:   ${s.database === "pglite" ? `embedded PGlite in ${env.DATA_DIR}/pglite` : "Postgres (DATABASE_URL)"}`,
    `  live feed:  ${s.feed ?? "none (set FEED=demo|alpaca|replay)"}`,
    `  listening:  ${env.HOST}:${new URL(s.url).port} ${reachability(env)}`,
    "",
  ].join("\n");
}

function reachability(env: Env): string {
  const loopback = env.HOST === "127.0.0.1" || env.HOST === "::1" || env.HOST === "localhost";
  if (loopback) {
    return env.API_KEYS.length === 0
      ? "(this machine only, the default without API_KEYS; set API_KEYS, or HOST=0.0.0.0 to open it to the network)"
      : "(this machine only)";
  }
  return env.API_KEYS.length === 0
    ? "(open to the network WITHOUT API keys: anyone who reaches this port can upload; set API_KEYS)"
    : "(open to the network; writes need an API key)";
}
