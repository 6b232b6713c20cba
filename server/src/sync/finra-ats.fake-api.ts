/**
 * A local stand-in for FINRA's Query API in tests: `POST /data/group/otcMarket/name/weeklySummary` with
 * the JSON payload FINRA documents (fields, compareFilters, sortFields, limit, offset, delimiter,
 * quoteValues). It answers from rows loaded out of a real weekly download (the OTC sample), filtered by
 * week, tier and summary type, sorted, paged, with `Record-Total`, and with an empty body when nothing
 * matches (FINRA's answer for a week not published yet). A test scripts faults per (week, tier, offset):
 * a status (429 with Retry-After, 503), a page cut short, a hang.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenLocal, statusFault } from "./test-upstream";

export type AtsFault =
  | { kind: "status"; status: number; times: number; retryAfterS?: number }
  | { kind: "drop-rows"; keep: number; times: number }
  | { kind: "body"; body: string; times: number }
  | { kind: "hang"; times: number };

export interface FakeFinraApi {
  url: string;
  /** `${week}|${tier}|${summaryType}` -> rows (field -> value). */
  datasets: Map<string, Record<string, string>[]>;
  /** `${week}|${tier}|${offset}` -> fault. */
  faults: Map<string, AtsFault>;
  requests: { path: string; body: Record<string, unknown> | null; atMs: number }[];
  close(): Promise<void>;
}

/** Rows of a pipe-delimited download, each given the week, tier and summary type it was published as. */
export function rowsOfDownload(
  text: string,
  extra: { weekStartDate: string; tierIdentifier: string; summaryTypeCode: string },
): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? "").split("|");
  return lines.slice(1).map((line) => {
    const f = line.split("|");
    return { ...Object.fromEntries(header.map((h, i) => [h, f[i] ?? ""])), ...extra };
  });
}

type Filter = { fieldName?: unknown; fieldValue?: unknown; compareType?: unknown };

function answer(api: FakeFinraApi, body: Record<string, unknown>, res: ServerResponse): void {
  const filters = (Array.isArray(body.compareFilters) ? body.compareFilters : []) as Filter[];
  const eq = (name: string) =>
    filters.find((f) => f.fieldName === name && String(f.compareType).toUpperCase() === "EQUAL")?.fieldValue;
  const week = eq("weekStartDate");
  const tier = eq("tierIdentifier");
  const type = eq("summaryTypeCode");
  const limit = Number(body.limit ?? 1000);
  const offset = Number(body.offset ?? 0);
  const fields = body.fields;
  if (typeof week !== "string" || typeof tier !== "string" || typeof type !== "string")
    return void res
      .writeHead(400)
      .end("partition fields weekStartDate, tierIdentifier, summaryTypeCode required");
  if (!Array.isArray(fields) || !(limit >= 1 && limit <= 5000) || !(offset >= 0))
    return void res.writeHead(400).end("bad fields/limit/offset");
  const found = api.faults.get(`${week}|${tier}|${offset}`);
  const fault = found && found.times > 0 ? found : undefined;
  if (fault) {
    fault.times--;
    if (fault.kind === "status") return void statusFault(res, fault);
    if (fault.kind === "hang") return;
    if (fault.kind === "body") return void res.writeHead(200, { "record-total": "1" }).end(fault.body);
  }
  const all = [...(api.datasets.get(`${week}|${tier}|${type}`) ?? [])];
  const sorts = (Array.isArray(body.sortFields) ? body.sortFields : []) as string[];
  all.sort((a, b) => {
    for (const s of sorts) {
      const c = (a[s] ?? "").localeCompare(b[s] ?? "");
      if (c !== 0) return c;
    }
    return 0;
  });
  let page = all.slice(offset, offset + limit);
  if (fault?.kind === "drop-rows") page = page.slice(0, fault.keep);
  const headers = { "content-type": "text/plain", "record-total": String(all.length) };
  if (all.length === 0) return void res.writeHead(200, headers).end("");
  const delimiter = typeof body.delimiter === "string" ? body.delimiter : ",";
  const text = [fields.join(delimiter), ...page.map((r) => fields.map((f) => r[f] ?? "").join(delimiter))];
  res.writeHead(200, headers).end(text.join("\n"));
}

export async function startFakeFinraApi(): Promise<FakeFinraApi> {
  const hanging = new Set<ServerResponse>();
  const api: FakeFinraApi = {
    url: "",
    datasets: new Map(),
    faults: new Map(),
    requests: [],
    close: async () => undefined,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        body = null;
      }
      api.requests.push({ path: req.url ?? "/", body, atMs: Date.now() });
      if (req.method !== "POST" || req.url !== "/data/group/otcMarket/name/weeklySummary")
        return void res.writeHead(404).end();
      if (body === null) return void res.writeHead(400).end("payload is not JSON");
      hanging.add(res);
      res.on("finish", () => hanging.delete(res));
      answer(api, body, res);
    });
  });
  Object.assign(api, await listenLocal(server, hanging));
  return api;
}
