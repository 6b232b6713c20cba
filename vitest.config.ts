import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Compiles the client's runes modules (client/src/lib/*.svelte.ts) for their unit tests.
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  test: {
    include: [
      "db/src/**/*.test.ts",
      "server/src/**/*.test.ts",
      "client/src/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "test/bench/**"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
