import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientResponse } from "hono/client";
import { testClient } from "hono/testing";
import { expect } from "vitest";
import { type AppDeps, type AppType, createApp } from "../../server/src/app";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { type Env, loadEnv } from "../../server/src/env";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { type RunningServer, type StartOptions, startServer } from "../../server/src/server";
import { type Engine, openTestDb } from "./db";

/** Configuration for tests: quiet, no demo, no feed, an ephemeral port, a private data folder. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    DATA_DIR: mkdtempSync(join(tmpdir(), "smt-test-")),
    LIVE_BATCH_MS: "20",
    // Scheduled sync would reach FINRA and the SEC; sync tests start it against local fakes.
    SYNC: "off",
    // The composite leaderboard job would rescore in the background, competing with a test's own requests
    // on PGlite's one connection; the composite tests run its passes themselves (refreshComposite).
    COMPOSITE_REFRESH_S: "0",
    ...overrides,
  });
}

/** `createApp` over a fresh database of its own, without opening a port. */
export async function buildTestApp(engine: Engine, envOverrides: Record<string, string> = {}) {
  const handle = await openTestDb(engine);
  const env = testEnv(envOverrides);
  const log = createLogger(env.LOG_LEVEL);
  const bus = new LiveBus();
  const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: env.LAST_LIT_WINDOW_MS });
  const deps: AppDeps = { env, db: handle, bus, pipeline, log };
  const app = createApp(deps);
  return {
    app,
    deps,
    handle,
    async close() {
      await pipeline.close();
      await handle.close();
    },
  };
}

/** The real server (HTTP + Socket.IO on one ephemeral port) over a fresh database. */
export async function startTestServer(
  engine: Engine,
  envOverrides: Record<string, string> = {},
  plugins: StartOptions["plugins"] = [],
): Promise<RunningServer & { dispose(): Promise<void> }> {
  const handle = await openTestDb(engine);
  const server = await startServer({ env: testEnv(envOverrides), db: handle, plugins });
  return {
    ...server,
    async dispose() {
      await server.close();
      await handle.close();
    },
  };
}

/**
 * The typed REST client of an app, without a port (`hono/testing`): `api(app).institutional[":symbol"]
 * .holders.$get({ param, query })`. Paths, parameters and answers are inferred from the routes, so a test
 * cannot ask for a route or a field the server does not have.
 */
export const api = (app: AppType) => testClient(app)["smart-money"];

// biome-ignore lint/suspicious/noExplicitAny: matches every response of the typed client
type AnyResponse = ClientResponse<any, number, string>;
/** The body type a route declares for status 200. */
export type Answer<R extends AnyResponse> = Awaited<ReturnType<Extract<R, { status: 200 }>["json"]>>;

/** The 200 answer's body, typed from the route; any other status fails the test with the answer. */
export async function ok<R extends AnyResponse>(pending: Promise<R>): Promise<Answer<R>> {
  const res = await pending;
  if (res.status !== 200) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Answer<R>;
}

/**
 * A refused call's status and error code (`{error: {code}}`, app.ts). Errors are thrown as `AppError` and
 * answered by `onError`, so the typed client knows only a route's declared answers: read them here.
 */
export async function refusal(pending: Promise<AnyResponse>): Promise<{ status: number; code: string }> {
  const res = await pending;
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code ?? `(no error body: ${JSON.stringify(body)})` };
}

type IngestEndpoint = ReturnType<typeof api>["ingest"][":kind"];
/** The query of an upload (`name`, `strict`, the `ats` and SEC hints), as the ingest route declares it. */
export type UploadQuery = Parameters<IngestEndpoint["$post"]>[0]["query"];

/** POST /smart-money/ingest/{kind} with `body` as the raw file, through the typed client. */
export function upload(
  app: AppType,
  kind: string,
  body: string | Uint8Array | ReadableStream,
  contentType: string,
  query: UploadQuery = {},
) {
  // A stream body goes without Content-Length (`duplex: "half"`): the size limit is enforced while reading.
  const init = { body: body as BodyInit, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) };
  return api(app).ingest[":kind"].$post(
    { param: { kind }, query },
    { headers: { "content-type": contentType }, init },
  );
}

/** GET `path` from the test app, expecting 200 (the body's start in the failure message), parsed as JSON. */
export function jsonGetter(app: () => { request: (path: string) => Response | Promise<Response> }) {
  return async <T>(path: string): Promise<T> => {
    const res = await app().request(path);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as T;
  };
}
