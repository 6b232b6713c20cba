/**
 * A local stand-in for FINRA's CDN and SEC EDGAR in tests: serves recorded files under the real path
 * layouts (`/equity/regsho/daily/CNMSshvol20210104.txt`, `/cgi-bin/browse-edgar?action=getcurrent...`,
 * `/Archives/edgar/data/<cik>/<accession no dashes>/<accession>.txt`), answers 403 AccessDenied for
 * anything it does not have (what FINRA's CDN does for a holiday), and lets a test script faults per
 * path: a 429 then success, a 503 storm, a truncated body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "status"; status: number; times: number; retryAfterS?: number }
  | { kind: "truncate"; keepBytes: number; times: number }
  | { kind: "hang"; times: number };

export interface FakeUpstream {
  url: string;
  /** Path (with query) -> body. */
  files: Map<string, Buffer | string>;
  faults: Map<string, Fault>;
  /** Every request: path with query, and when it arrived. */
  requests: { path: string; atMs: number; userAgent: string | undefined }[];
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const files = new Map<string, Buffer | string>();
  const faults = new Map<string, Fault>();
  const requests: FakeUpstream["requests"] = [];
  const hanging = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    requests.push({ path, atMs: Date.now(), userAgent: req.headers["user-agent"] });
    const fault = faults.get(path);
    if (fault && fault.times > 0) {
      fault.times--;
      if (fault.kind === "status") return statusFault(res, fault);
      if (fault.kind === "hang") {
        hanging.add(res);
        return;
      }
      const body = Buffer.from(files.get(path) ?? "");
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(body.subarray(0, fault.keepBytes));
      return;
    }
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
      return;
    }
    res.writeHead(200, {
      "content-type": path.includes("output=atom") ? "application/atom+xml" : "text/plain",
    });
    res.end(body);
  };
  const server: Server = createServer(handle);
  return { ...(await listenLocal(server, hanging)), files, faults, requests };
}

/** Listens on a free local port; `close` drops the answers held open (hangs) and the connections first. */
export async function listenLocal(
  server: Server,
  hanging: Set<ServerResponse>,
): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers a scripted status fault (a 429 or 503, with Retry-After when given). */
export function statusFault(res: ServerResponse, fault: { status: number; retryAfterS?: number }): void {
  res.writeHead(fault.status, fault.retryAfterS ? { "retry-after": String(fault.retryAfterS) } : {});
  res.end(`fault ${fault.status}`);
}
