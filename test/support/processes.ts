import { type ChildProcess, execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

export interface NodeProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (graceful shutdown) and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies without any shutdown work. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Run this built bundle with plain `node` (production) instead of `server/src/main.ts` under tsx. */
  entry?: string;
}

/** How long a node may take to print its health URL (a hook waiting for it needs more than this). */
export const START_TIMEOUT_MS = 240_000;

/** A server node started as its own process, by default `server/src/main.ts` under tsx. */
export async function spawnNode(env: Record<string, string>, o: SpawnOptions = {}): Promise<NodeProcess> {
  const args = o.entry ? [o.entry] : ["--import", "tsx", join(root, "server/src/main.ts")];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SERVE_CLIENT: "false",
      SYNC: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: a loaded 2-core CI machine compiles the server under tsx and migrates PGlite first.
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`node did not start in ${START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /health:\s+(http:\/\/[^\s/]+)\/health/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    proc,
    output: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * `pnpm build`'s server step (server/build.mjs) into a folder of this test's own under server/dist, so
 * test files running in parallel never read each other's half-written bundles. Returns the folder and a
 * cleanup function.
 */
export async function buildServer(): Promise<{ dir: string; main: string; cli: string; remove(): void }> {
  const dir = join(root, "server", "dist", `test-${process.pid}-${Date.now()}`);
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(root, "server/build.mjs"), "--outdir", dir],
      { cwd: root },
      (error, _o, stderr) => (error ? reject(new Error(`build failed: ${stderr}`)) : resolve()),
    ),
  );
  return {
    dir,
    main: join(dir, "main.js"),
    cli: join(dir, "cli.js"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CliProcess {
  proc: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once the output matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL: the process dies mid-work, without any shutdown work. */
  kill(): Promise<void>;
}

/** `pnpm cli <args>` as its own process (`tsx server/src/cli.ts`), with `env` over a quiet default. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const proc = spawn(process.execPath, ["--import", "tsx", join(root, "server/src/cli.ts"), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn", SYNC: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const l of listeners) l();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    proc,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = START_TIMEOUT_MS) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited with ${code} before ${pattern}:\n${output}`));
        });
        check();
      });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}
