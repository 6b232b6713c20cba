import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

/** Issue 5's budget: all built JavaScript together must stay under this, gzip-compressed. */
const JS_BUDGET_GZIP_BYTES = 150 * 1024;

/**
 * Prints the gzip size of every emitted JS chunk and their total, and fails the build when the total passes
 * the budget, so a heavy import shows up in the build that introduced it.
 */
function jsBudget(): Plugin {
  return {
    name: "smt-js-budget",
    apply: "build",
    enforce: "post",
    // After writing, from the files on disk: exactly the bytes the server will send.
    writeBundle(options, bundle) {
      let totalGzipBytes = 0;
      let totalRawBytes = 0;
      const rows: string[] = [];
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const bytes = readFileSync(join(options.dir ?? "dist", file.fileName));
        const rawBytes = bytes.length;
        const gzipBytes = gzipSync(bytes, { level: 9 }).length;
        totalGzipBytes += gzipBytes;
        totalRawBytes += rawBytes;
        rows.push(`  ${file.fileName}: ${kb(rawBytes)} raw, ${kb(gzipBytes)} gzip`);
      }
      const verdict = totalGzipBytes <= JS_BUDGET_GZIP_BYTES ? "within" : "OVER";
      console.log(
        `\n[js-budget] built JS:\n${rows.join("\n")}\n[js-budget] total ${kb(totalRawBytes)} raw, ${kb(totalGzipBytes)} gzip: ${verdict} the ${kb(JS_BUDGET_GZIP_BYTES)} gzip budget\n`,
      );
      if (totalGzipBytes > JS_BUDGET_GZIP_BYTES) {
        this.error(`built JS is ${kb(totalGzipBytes)} gzip, over the ${kb(JS_BUDGET_GZIP_BYTES)} budget`);
      }
    },
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Where `vite dev` sends API and socket calls (a server started with PORT=8123, see docs/dashboard.md). */
const devApi = process.env.SMT_API ?? "http://localhost:8123";

export default defineConfig({
  base: "/smart-money/dashboard/",
  plugins: [svelte(), jsBudget()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  server: {
    proxy: {
      "^/smart-money/(?!dashboard)": devApi,
      "/socket.io": { target: devApi, ws: true },
      "/health": devApi,
    },
  },
});
