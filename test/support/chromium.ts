import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Debian's Chromium, driven by playwright-core in the browser tests. */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
];

/** Builds the dashboard (`client/dist`) when it is not built yet; throws when the build fails. */
export function ensureClientBuilt(): void {
  const root = join(import.meta.dirname, "..", "..");
  if (existsSync(join(root, "client", "dist", "index.html"))) return;
  const build = spawnSync("pnpm", ["--filter", "@smt/client", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("client build failed");
}
