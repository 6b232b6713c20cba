import { join } from "node:path";

/** Written by a running server on an embedded data folder, so the CLI can send work to it. */
export interface ServerInfo {
  pid: number;
  url: string;
}

export const serverInfoPath = (dataDir: string) => join(dataDir, "server.json");
