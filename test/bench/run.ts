/**
 * `pnpm bench [name...]`: runs the benchmarks in this folder (`<name>.bench.ts`) one after another, each in
 * its own process so they do not disturb each other, and prints their figures. Arguments starting with
 * `--` are passed to each of them (`pnpm bench latency --burst`, `pnpm bench market --scale 0.1`).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const args = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
/** A word right after an option that names no benchmark is the option's value (`--prints 2000000`). */
const isValue = (a: string, i: number) =>
  !a.startsWith("--") && i > 0 && (args[i - 1] as string).startsWith("--") && !all.includes(a);
const wanted = args.filter((a, i) => !a.startsWith("--") && !isValue(a, i));
/** Options (`--burst`, `--prints 2000000`, `--scale 0.1`) go to every benchmark chosen. */
const flags = args.filter((a, i) => a.startsWith("--") || isValue(a, i));
const chosen = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const name of chosen) {
  if (!all.includes(name)) {
    process.stderr.write(`no benchmark "${name}"; available: ${all.join(", ")}\n`);
    failed++;
    continue;
  }
  process.stdout.write(`\n### ${name}\n`);
  const r = spawnSync("npx", ["tsx", join(here, `${name}.bench.ts`), ...flags], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
