import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, secFixture } from "../../../test/support/sec-fixtures";
import { EdgarClient, RateLimiter } from "./edgar.client";
import { parse13F } from "./thirteenf.parse";

/** Recorded real files, served at the paths EDGAR serves them from. */
const ROUTES: Record<string, string> = {
  "/files/company_tickers.json": "company_tickers.json",
  "/submissions/CIK0001318605.json": "submissions_CIK0001318605_TSLA_reserialized.json",
  "/Archives/edgar/data/1994827/000195175725000093/0001951757-25-000093.txt":
    "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt",
  "/Archives/edgar/data/1750/000112760225001055/0001127602-25-001055.txt":
    "0001127602-25-001055_AIR_form4_full_submission.txt",
  "/Archives/edgar/data/1640147/000120919122063158/form4.xml": "form4_SNOW_Scarpelli_2022-12-13.xml",
};

let server: Server;
let base: string;
const hits = new Map<string, number>();
const userAgents: (string | undefined)[] = [];
let flakyCalls = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    userAgents.push(req.headers["user-agent"]);
    if (path === "/files/flaky.json") {
      flakyCalls++;
      if (flakyCalls < 3) {
        res
          .writeHead(flakyCalls === 1 ? 429 : 503, { "retry-after": "0" })
          .end("Request Rate Threshold Exceeded");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (path === "/files/down.json") {
      res.writeHead(503).end();
      return;
    }
    const file = ROUTES[path];
    if (!file) {
      res.writeHead(404).end("Not Found");
      return;
    }
    res.writeHead(200).end(readFileSync(secFixture(file)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const client = (extra: Partial<ConstructorParameters<typeof EdgarClient>[0]> = {}) =>
  new EdgarClient({
    userAgent: "Smart Money Tracker tests admin@example.com",
    cacheDir: mkdtempSync(join(tmpdir(), "smt-edgar-")),
    wwwBaseUrl: base,
    dataBaseUrl: base,
    limiter: new RateLimiter(1000),
    backoffBaseMs: 5,
    ...extra,
  });

describe("SEC EDGAR client against a local server of recorded files", () => {
  it("refuses to fetch without a declared User-Agent and names SEC_USER_AGENT", async () => {
    const before = userAgents.length;
    await expect(client({ userAgent: undefined }).companyTickers()).rejects.toMatchObject({
      code: "NOT_CONFIGURED",
      message: expect.stringContaining("SEC_USER_AGENT"),
    });
    expect(userAgents.length).toBe(before);
  });

  it("maps a ticker to its CIK and sends the declared User-Agent", async () => {
    const c = client();
    expect(await c.cikForTicker("TSLA")).toBe("0001318605");
    expect(await c.cikForTicker("msft")).toBe("0000789019");
    expect(userAgents[userAgents.length - 1]).toBe("Smart Money Tracker tests admin@example.com");
    await expect(c.cikForTicker("NOPE123")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists Tesla's Form 4 filings since a date from the columnar submissions JSON", async () => {
    const c = client();
    const filings = await c.filings("1318605", "2022-01-01");
    const raw = JSON.parse(
      readFileSync(secFixture("submissions_CIK0001318605_TSLA_reserialized.json"), "utf8"),
    );
    const recent = raw.filings.recent as { form: string[]; filingDate: string[] };
    const expected = recent.form.filter(
      (f, i) => f === "4" && (recent.filingDate[i] as string) >= "2022-01-01",
    );
    const form4 = filings.filter((f) => f.form === "4");
    expect(form4).toHaveLength(expected.length);
    expect(form4[0]).toEqual({
      accession: "0001790565-22-000015",
      form: "4",
      filingDate: "2022-11-30",
      reportDate: "2022-11-28",
      // 16:42:36 on EDGAR's New York clock = 21:42:36 UTC (EST).
      acceptedAt: new Date("2022-11-30T21:42:36.000Z"),
      primaryDocument: "xslF345X03/edgardoc.xml",
    });
    // The older page (filings up to 2013-12-10) is not needed for 2022 and was not requested.
    expect(hits.get("/submissions/CIK0001318605-submissions-001.json")).toBeUndefined();
  });

  it("fetches a whole 13F submission once: a second run reads the disk cache", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "smt-edgar-cache-"));
    const first = client({ cacheDir });
    const body = await first.submissionText("0001994827", "0001951757-25-000093");
    expect(
      body.equals(
        readFileSync(
          secFixture(
            ROUTES["/Archives/edgar/data/1994827/000195175725000093/0001951757-25-000093.txt"] as string,
          ),
        ),
      ),
    ).toBe(true);
    const second = client({ cacheDir });
    await second.submissionText("1994827", "0001951757-25-000093");
    expect(second.networkRequests).toBe(0);
    const parsed = await collect(
      parse13F(
        (async function* () {
          yield body;
        })(),
        { sourceName: "acorn" },
      ),
    );
    expect(parsed.filter((r) => r.ok && r.record.kind === "holding")).toHaveLength(77);
  });

  it("gets a Form 4's raw XML by stripping the xslF345X0?/ rendering prefix", async () => {
    const body = await client().filingDocument("1640147", "0001209191-22-063158", "xslF345X03/form4.xml");
    expect(body.toString("utf8")).toContain("<issuerTradingSymbol>SNOW</issuerTradingSymbol>");
  });

  it("retries 429 and 503 with backoff, then succeeds", async () => {
    const c = client();
    const got = await (c as unknown as { get(url: string): Promise<Buffer> }).get(`${base}/files/flaky.json`);
    expect(got.toString()).toBe('{"ok":true}');
    expect(c.networkRequests).toBe(3);
  });

  it("gives up with UPSTREAM_UNAVAILABLE after the retries are spent", async () => {
    const c = client({ maxRetries: 2 });
    await expect(
      (c as unknown as { get(url: string): Promise<Buffer> }).get(`${base}/files/down.json`),
    ).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: expect.stringContaining("3 attempts") });
  });
});

describe("request spacing", () => {
  /** Takes `n` slots of a 10-a-second limiter on a fake clock whose sleeps end `early` ms too soon. */
  async function startsOnFakeClock(n: number, early = 0): Promise<number[]> {
    let now = 0;
    const starts: number[] = [];
    const limiter = new RateLimiter(
      10,
      () => now,
      async (ms) => {
        now += Math.max(1, ms - early);
      },
    );
    for (let i = 0; i < n; i++) {
      await limiter.take();
      starts.push(now);
    }
    return starts;
  }

  it("lets at most 10 requests start in any second at the SEC's rate", async () => {
    const starts = await startsOnFakeClock(25);
    for (let i = 10; i < starts.length; i++) {
      expect((starts[i] as number) - (starts[i - 10] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it("sleeps again when a timer fires early (the event loop's clock lags while it is held)", async () => {
    // Fires 30 ms early, as a timer armed from a stale loop clock does.
    const starts = await startsOnFakeClock(5, 30);
    for (let i = 1; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(100);
  });

  it("spaces real requests through one shared limiter", async () => {
    const limiter = new RateLimiter(40);
    const c = client({ limiter });
    const started = performance.now();
    await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => c.filingIndex("1", "0000000000-00-000000").catch(() => null)),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(8 * 25 - 5);
  });
});
