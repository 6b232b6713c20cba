/**
 * `pnpm check` step: the import rules of docs/architecture.md, over every module of server/src.
 * 1. No import cycle, type-only imports included (a type cycle still ties two modules together).
 * 2. Only the composition roots import `app.ts` or `server.ts`: feature modules take what they need
 *    from `core/` (AppDeps, ServicePlugin, the HTTP helpers). Tests may build the app.
 * Exits 1 with every violation listed.
 */
import { join, relative } from "node:path";
import { type DependencyTree, parseCircular, parseDependencyTree } from "dpdm";

const root = join(import.meta.dirname, "..", "..");
const src = "server/src";

/** The modules that assemble the service, and so may import app.ts / server.ts. */
const COMPOSITION_ROOTS = new Set([
  "server/src/main.ts",
  "server/src/server.ts",
  "server/src/app.ts",
  // `pnpm cli replay` starts the service, as main.ts does (loaded only when that command runs).
  "server/src/cli/commands/replay.ts",
]);
const ROOT_MODULES = new Set(["server/src/app.ts", "server/src/server.ts"]);

const isTest = (file: string) => file.endsWith(".test.ts");

async function main(): Promise<number> {
  const tree: DependencyTree = await parseDependencyTree(`${src}/**/*.ts`, {
    cwd: root,
    context: root,
    transform: false, // keep `import type` edges
    skipDynamicImports: false,
    include: /^/,
    exclude: /node_modules/,
  });
  const problems: string[] = [];
  for (const cycle of parseCircular(tree)) {
    problems.push(`import cycle: ${[...cycle, cycle[0]].join(" -> ")}`);
  }
  for (const [file, deps] of Object.entries(tree)) {
    const issuer = relative(root, join(root, file));
    if (!issuer.startsWith(`${src}/`) || COMPOSITION_ROOTS.has(issuer) || isTest(issuer)) continue;
    for (const dep of deps ?? []) {
      const target = dep.id === null ? null : relative(root, join(root, dep.id));
      if (target !== null && ROOT_MODULES.has(target)) {
        problems.push(`${issuer} imports ${target}: import core/ (deps, plugin, http) instead`);
      }
    }
  }
  for (const p of problems) process.stderr.write(`${p}\n`);
  const modules = Object.keys(tree).filter((f) => f.startsWith(src)).length;
  process.stdout.write(
    problems.length === 0
      ? `imports: ${modules} modules, no cycle, no feature module imports app.ts or server.ts\n`
      : `imports: ${problems.length} problem(s)\n`,
  );
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`check-imports: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
