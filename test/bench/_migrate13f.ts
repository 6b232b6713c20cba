import { openDb } from "@smt/db";
const t0 = performance.now();
const h = await openDb({ url: process.argv[2] as string, maxConnections: 2 });
await h.close();
console.log(`migrated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
