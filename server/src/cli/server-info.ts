import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../env";

/** Written by a running server on an embedded data folder, so the CLI can send work to it. */
export interface ServerInfo {
  pid: number;
  url: string;
}

export const serverInfoPath = (dataDir: string) => join(dataDir, "server.json");

/** The server that owns the embedded data folder right now (its process is alive), or null. */
export function runningServer(env: Pick<Env, "DATABASE_URL" | "DATA_DIR">): ServerInfo | null {
  if (env.DATABASE_URL) return null;
  const path = serverInfoPath(env.DATA_DIR);
  if (!existsSync(path)) return null;
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as ServerInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

/**
 * PGlite is single-process: a command that would open the folder a running server owns refuses
 * instead, naming the server. Returns the exit code to use, or null when the folder is free.
 */
export function refuseBesideServer(
  env: Pick<Env, "DATABASE_URL" | "DATA_DIR">,
  command: string,
  why: string,
): number | null {
  const server = runningServer(env);
  if (!server) return null;
  process.stderr.write(
    `error: a server (pid ${server.pid}, ${server.url}) owns the data folder ${env.DATA_DIR}; ` +
      `${command} cannot open it beside the server. ${why}\n`,
  );
  return 1;
}
