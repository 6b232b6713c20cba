import { rmSync, writeFileSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type DbHandle, openDb } from "@smt/db";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { sql } from "drizzle-orm";
import { createClient } from "redis";
import { createApp } from "./app";
import { type ServerInfo, serverInfoPath } from "./cli/server-info";
import type { AppDeps } from "./core/deps";
import type { ServicePlugin } from "./core/plugin";
import { liveQueueMetrics, PrintPipeline } from "./darkpool/pipeline";
import type { Env } from "./env";
import { generateDemo } from "./feeds/demo";
import type { Feed } from "./feeds/feed";
import { SimulatorFeed } from "./feeds/simulator";
import { startFeed } from "./feeds/start";
import { createLogger, type Logger } from "./lib/log";
import { LiveBus } from "./realtime/bus";
import { attachRealtime, redisSequencer } from "./realtime/socket";

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  realtime: ReturnType<typeof attachRealtime>;
  http: HttpServer;
  feed: Feed | null;
  close(): Promise<void>;
}

export interface StartOptions {
  env: Env;
  /** An already open database (tests); otherwise opened from the env. */
  db?: DbHandle;
  log?: Logger;
  /** Features that hook into the live bus (detectors, alert delivery) register here. */
  plugins?: ServicePlugin[];
}

/**
 * Opens the database (migrating it), builds the app, binds HTTP and Socket.IO to one port, and starts the
 * configured live feed. With DEMO=auto on an empty embedded database it first loads demo history and
 * runs the simulator, so a new user sees live data at once; with real data configured it invents nothing.
 */
export async function startServer(o: StartOptions): Promise<RunningServer> {
  const { env } = o;
  const log = o.log ?? createLogger(env.LOG_LEVEL);
  const db = o.db ?? (await openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` }));
  const bus = new LiveBus();
  const metrics = new Map<string, number>();
  const pipeline = new PrintPipeline({
    db: db.db,
    bus,
    log: log.child("pipeline"),
    lastLitWindowMs: env.LAST_LIT_WINDOW_MS,
  });
  const deps: AppDeps = { env, db, bus, pipeline, log, metrics };
  bus.on("printsStored", (p) =>
    metrics.set("smt_prints_stored_total", (metrics.get("smt_prints_stored_total") ?? 0) + p.length),
  );

  const app = createApp(deps);
  const http = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  const inflight = trackRequests(http);
  const redis = env.REDIS_URL ? await connectRedis(env.REDIS_URL, log) : null;
  const realtime = attachSockets(http, deps, redis);
  const stoppers = (o.plugins ?? []).map((plugin) => plugin(deps, realtime)).filter((s) => s !== undefined);
  const liveMetrics = setInterval(() => {
    for (const [k, v] of liveQueueMetrics(pipeline.liveStats)) metrics.set(k, v);
    metrics.set("smt_socket_slow_consumers_closed_total", realtime.slowConsumersClosed());
  }, 2_000);
  liveMetrics.unref();

  const { port, url } = await listen(http, env);

  // PGlite is single-process: tell the CLI where to send work while this server owns the folder.
  const infoFile = db.kind === "pglite" && !o.db ? serverInfoPath(env.DATA_DIR) : null;
  if (infoFile) writeFileSync(infoFile, JSON.stringify({ pid: process.pid, url } satisfies ServerInfo));

  const useDemo = await loadDemoIfEmpty(deps);
  const feedKind = env.FEED ?? (useDemo ? "demo" : "none");
  const feed = await startFeed(feedKind, env, pipeline, log);
  if (feed instanceof SimulatorFeed) deps.demoSimulator = () => feed.status();

  return {
    url,
    port,
    deps,
    realtime,
    http,
    feed,
    /**
     * Graceful shutdown (SIGTERM), in the order that loses nothing acknowledged: stop accepting connections
     * (the balancer sends new ones elsewhere), stop the feed, let in-flight requests finish (an upload is
     * acknowledged only once stored), store what the live pipeline holds, let the detectors store and
     * announce their alerts, send the last batches and tell socket clients to reconnect (their sessions are
     * kept in Redis for the node they land on), then release Redis and the database.
     */
    async close() {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await feed?.stop();
      if (!(await inflight.settled(env.SHUTDOWN_TIMEOUT_MS))) {
        log.warn("shutdown: requests still running after the timeout are cut", {
          requests: inflight.count(),
        });
      }
      await pipeline.close();
      clearInterval(liveMetrics);
      for (const stop of stoppers) await stop();
      await realtime.close();
      http.closeAllConnections();
      await stopped;
      // QUIT waits for queued commands, among them the sessions the adapter persisted just now.
      await redis?.quit().catch(() => undefined);
      if (infoFile) rmSync(infoFile, { force: true });
      if (!o.db) await db.close();
    },
  };
}

/** Socket.IO on the HTTP server; with Redis, rooms and batch numbers shared between nodes. */
function attachSockets(
  http: HttpServer,
  deps: AppDeps,
  redis: Awaited<ReturnType<typeof connectRedis>> | null,
) {
  const { env, bus, log } = deps;
  return attachRealtime(http, {
    bus,
    log,
    apiKeys: env.API_KEYS,
    batchMs: env.LIVE_BATCH_MS,
    // Several nodes share rooms through Redis streams; this adapter keeps connection state recovery.
    adapter: redis
      ? createAdapter(redis, {
          streamName: `${env.REDIS_PREFIX}socket.io`,
          sessionKeyPrefix: `${env.REDIS_PREFIX}sio:session:`,
        })
      : undefined,
    // ...and number batches from shared counters, so a client moving between nodes sees one sequence.
    sequencer: redis ? redisSequencer(redis, env.REDIS_PREFIX) : undefined,
  });
}

/** Binds the configured host and port; the URL names `localhost` when bound to every interface. */
async function listen(http: HttpServer, env: Env): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(env.PORT, env.HOST, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  return { port, url: `http://${host}:${port}` };
}

/** Loads demo history when DEMO says so (DEMO=auto: an empty embedded database); true when it did. */
async function loadDemoIfEmpty({ env, db, pipeline, log }: AppDeps): Promise<boolean> {
  if (!(await shouldRunDemo(env, db))) return false;
  log.info("empty embedded database: loading demo data (DEMO=off to disable)", {
    symbols: env.DEMO_SYMBOLS,
  });
  for (const symbol of env.DEMO_SYMBOLS) {
    const s = await generateDemo({ db: db.db, pipeline, symbol, days: env.DEMO_DAYS });
    log.info("demo data loaded", { symbol, prints: s.prints, days: s.days });
  }
  return true;
}

/** Counts requests in flight, so shutdown can wait for them (each answered before the process ends). */
function trackRequests(http: HttpServer) {
  let count = 0;
  let idle: (() => void)[] = [];
  http.on("request", (_req, res) => {
    count++;
    res.once("close", () => {
      count--;
      if (count === 0) for (const wake of idle.splice(0)) wake();
    });
  });
  return {
    count: () => count,
    /** Resolves true once no request is in flight, false if `timeoutMs` passes first. */
    settled(timeoutMs: number): Promise<boolean> {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          idle = idle.filter((w) => w !== wake);
          resolve(false);
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        idle.push(wake);
      });
    },
  };
}

async function connectRedis(url: string, log: Logger) {
  const client = createClient({ url });
  client.on("error", (error: unknown) => log.warn("redis error", { error }));
  await client.connect();
  log.info("socket.io redis streams adapter enabled", { url: url.replace(/\/\/[^@]*@/, "//***@") });
  return client;
}

async function shouldRunDemo(env: Env, db: DbHandle): Promise<boolean> {
  if (env.DEMO === "off") return false;
  if (env.DEMO === "on") return true;
  if (db.kind !== "pglite") return false;
  const rows = await db.query<{ n: string | number }>(sql`select count(*) as n from symbols`);
  return Number(rows[0]?.n ?? 0) === 0;
}
