// Production build: bundles the server (and the workspace package @smt/db, which ships TypeScript source)
// into server/dist/{main,cli}.js for plain `node`. npm packages stay external (installed production deps).
//
// Why esbuild and not tsc: the sources use bundler-style extensionless imports and @smt/db exports .ts
// files, neither of which Node can load; tsc would emit one file per module with the same imports.
// esbuild (already what tsx runs on) resolves both and emits one file per entry in well under a second.
// Type checking stays with `pnpm check` (tsc --noEmit).
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const serverDir = dirname(fileURLToPath(import.meta.url));
// `--outdir DIR` (tests build into their own folder under server/dist so parallel runs never share files).
const outArg = process.argv.indexOf("--outdir");
const outdir = outArg > 0 ? resolve(process.argv[outArg + 1] ?? "") : join(serverDir, "dist");
const pkg = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const external = [
  ...new Set(
    [pkg(serverDir), pkg(join(serverDir, "..", "db"))]
      .flatMap((p) => Object.keys(p.dependencies ?? {}))
      .filter((name) => !name.startsWith("@smt/")),
  ),
];

/**
 * Modules find their data next to their source (`db/migrations`, `server/data`, `client/dist`) through
 * `import.meta.url`. In a bundle that would be the bundle's URL, so each module's `import.meta.url` is
 * rewritten to where its source sits relative to the bundle: the tree must keep its layout (it does in the
 * image), but not its absolute path.
 */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = relative(outdir, args.path).split("\\").join("/");
      return {
        contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: "ts",
      };
    });
  },
};

await build({
  entryPoints: { main: join(serverDir, "src/main.ts"), cli: join(serverDir, "src/cli.ts") },
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external,
  plugins: [keepModuleUrls],
  logLevel: "warning",
});
process.stdout.write(`built ${join(relative(process.cwd(), outdir), "main.js")} and cli.js\n`);
