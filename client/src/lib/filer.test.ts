/**
 * The fund page's state against a fake window and API (`/institutional/filers/{cik}` answered in the
 * server's shape): loading, ready, empty (404) and error states, the quarter in the URL, paging.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFetch, fakeWindow, json, settle } from "../test/support";
import { FilerState, HOLDINGS_PAGE } from "./filer.svelte";
import type { Filer, FilerHolding } from "./market-api";
import { Router } from "./router.svelte";

const CIK = "0001067983";

const holding = (i: number): FilerHolding => ({
  symbol: `S${i}`,
  cusip: String(i).padStart(9, "0"),
  name: `Company ${i}`,
  shares: 1000 + i,
  value_usd: 100_000 + i,
  weight: 0.001,
  prior_shares: 1000,
  change_shares: i,
  change_type: i === 0 ? "unchanged" : "increased",
});

/** The filer payload for `total` holdings, the page asked by `url` (limit, offset) as the route answers. */
function filerPayload(url: URL, total: number, name: string | null = "BERKSHIRE HATHAWAY INC"): Filer {
  const limit = Number(url.searchParams.get("limit"));
  const offset = Number(url.searchParams.get("offset"));
  const period = url.searchParams.get("period") ?? "2024-09-30";
  const all = Array.from({ length: total }, (_, i) => holding(i));
  return {
    cik: CIK,
    name,
    period,
    prior_period: "2024-06-30",
    prior_reported: true,
    accessions: ["0000950123-24-011775"],
    value_usd: all.reduce((s, h) => s + h.value_usd, 0),
    positions: total,
    changes: { new: 0, increased: total - 1, decreased: 0, unchanged: 1, sold_out: 0, unknown: 0 },
    concentration: { top10_weight: 0.01, hhi: 0.0001, largest_weight: 0.001 },
    holdings: all.slice(offset, offset + limit),
    total,
    limit,
    offset,
    next_offset: offset + limit < total ? offset + limit : null,
    as_of: "2024-11-15T00:00:00.000Z",
    freshness: [
      { input: "thirteenf", latest: "2024-11-14T21:00:00.000Z", age_seconds: 10_800, expected_delay: "45d" },
    ],
    sources: [{ source: "sec_13f", rows: 1, latest_ref: "0000950123-24-011775" }],
    params_version: "market-1",
  };
}

const notFound = () =>
  json(
    {
      error: {
        code: "NOT_FOUND",
        message: `No 13F report of filer ${CIK} is published by as_of`,
        details: null,
      },
    },
    404,
  );

function open(path: string) {
  const win = fakeWindow(path);
  const router = new Router();
  router.start();
  const page = new FilerState(router);
  page.start();
  return { win, router, page };
}

describe("FilerState", () => {
  let running: ReturnType<typeof open> | null = null;
  const start = (path: string) => {
    running = open(path);
    return running;
  };
  afterEach(() => {
    running?.page.stop();
    running?.router.stop();
    running = null;
    vi.unstubAllGlobals();
  });

  it("shows loading, then the portfolio with its first page of holdings and the filer's name as title", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 450));
    const { page } = start(`/filer/${CIK}`);
    expect(page.cik).toBe(CIK);
    expect(page.portfolio.status).toBe("loading");
    await settle();
    expect(page.portfolio.status).toBe("ready");
    expect(page.portfolio.data?.total).toBe(450);
    expect(page.holdings.map((h) => h.symbol)).toEqual(
      Array.from({ length: HOLDINGS_PAGE }, (_, i) => `S${i}`),
    );
    expect(document.title).toBe("BERKSHIRE HATHAWAY INC (13F 2024-09-30) · Smart Money Tracker");
    expect(requests).toHaveLength(1);
    const [url] = requests;
    expect(url?.pathname).toBe(`/smart-money/institutional/filers/${CIK}`);
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      limit: String(HOLDINGS_PAGE),
      offset: "0",
    });
  });

  it("shows an unknown filer as empty and a failing server as an error that a retry clears", async () => {
    let fail = true;
    fakeFetch((url) =>
      fail
        ? json({ error: { code: "INTERNAL", message: "database unavailable", details: null } }, 500)
        : filerPayload(url, 3),
    );
    const { page } = start(`/filer/${CIK}`);
    await settle();
    expect(page.portfolio.status).toBe("error");
    expect(page.portfolio.error?.message).toBe("database unavailable");
    expect(page.holdings).toEqual([]);
    fail = false;
    await page.portfolio.retry();
    expect(page.portfolio.status).toBe("ready");
    expect(page.holdings).toHaveLength(3);

    running?.page.stop();
    running?.router.stop();
    fakeFetch(() => notFound());
    const other = start("/filer/1234");
    await settle();
    expect(other.page.cik).toBe("0000001234");
    expect(other.page.portfolio.status).toBe("empty");
    expect(other.page.portfolio.error?.code).toBe("NOT_FOUND");
    expect(other.page.holdings).toEqual([]);
  });

  it("asks nothing for a path that is not a CIK and says so in the title", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 1));
    const { page } = start(`/filer/${encodeURIComponent("../../admin")}`);
    await settle();
    expect(page.cik).toBeNull();
    expect(requests).toEqual([]);
    expect(document.title).toBe("Not a CIK · Smart Money Tracker");
    expect(page.portfolio.status).toBe("idle");
  });

  it("sends a quarter-end period from the URL, ignores any other value, and pushes a history entry on change", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 1));
    const { page, win, router } = start(`/filer/${CIK}?period=2024-09-15`);
    await settle();
    expect(page.period).toBeNull();
    expect(requests[0]?.searchParams.has("period")).toBe(false);

    requests.length = 0;
    page.setPeriod("2024-06-30");
    await settle();
    expect(win.history.pushs).toBe(1);
    expect(win.url().searchParams.get("period")).toBe("2024-06-30");
    expect(page.period).toBe("2024-06-30");
    expect(requests.map((u) => u.searchParams.get("period"))).toEqual(["2024-06-30"]);
    expect(page.portfolio.data?.period).toBe("2024-06-30");

    // The same quarter again, or a change of a parameter of another part (the watchlist), loads nothing.
    requests.length = 0;
    page.setPeriod("2024-06-30");
    router.setParams({ watch: "GME" }, { replace: true });
    await settle();
    expect(requests).toEqual([]);
    expect(page.portfolio.status).toBe("ready");
  });

  it("sends the point-in-time moment from ?as_of= as the end of that New York day", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 1));
    const { page } = start(`/filer/${CIK}?as_of=2024-11-15`);
    await settle();
    await page.loadMore();
    expect(requests).toHaveLength(1);
    const big = fakeFetch((url) => filerPayload(url, 450));
    page.setPeriod("2024-06-30");
    await settle();
    await page.loadMore();
    // The first page and the next one, both as known then.
    expect(big.map((u) => u.searchParams.get("as_of"))).toEqual([
      "2024-11-16T04:59:59.999Z",
      "2024-11-16T04:59:59.999Z",
    ]);
    expect(requests[0]?.searchParams.get("as_of")).toBe("2024-11-16T04:59:59.999Z");
  });

  it("loads more holdings a page at a time until the total, one request at a time", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 450));
    const { page } = start(`/filer/${CIK}`);
    await settle();
    requests.length = 0;
    const first = page.loadMore();
    const doubled = page.loadMore();
    expect(page.loadingMore).toBe(true);
    await Promise.all([first, doubled]);
    expect(page.loadingMore).toBe(false);
    expect(requests.map((u) => u.searchParams.get("offset"))).toEqual(["200"]);
    expect(page.holdings).toHaveLength(400);
    await page.loadMore();
    expect(page.holdings).toHaveLength(450);
    expect(page.holdings.at(-1)?.symbol).toBe("S449");
    // The last page said there is no more (next_offset null): nothing else is asked.
    requests.length = 0;
    await page.loadMore();
    expect(requests).toEqual([]);
    expect(new Set(page.holdings.map((h) => h.cusip)).size).toBe(450);
  });

  it("drops a page of the previous filer that arrives after switching filers", async () => {
    let release: () => void = () => {};
    fakeFetch(async (url) => {
      if (url.searchParams.get("offset") !== "0") await new Promise<void>((r) => (release = r));
      return filerPayload(url, 450, url.pathname.endsWith(CIK) ? "BERKSHIRE HATHAWAY INC" : "OTHER FUND");
    });
    const { page, router } = start(`/filer/${CIK}`);
    await settle();
    const more = page.loadMore();
    await settle();
    router.go({ view: "filer", cik: "0000102909" });
    await settle();
    release();
    await more;
    expect(page.cik).toBe("0000102909");
    expect(page.holdings).toHaveLength(HOLDINGS_PAGE);
  });

  it("loads nothing on other views and stops following the route on stop", async () => {
    const requests = fakeFetch((url) => filerPayload(url, 1));
    const { page, router } = start("/market");
    await settle();
    expect(requests).toEqual([]);
    page.stop();
    router.go({ view: "filer", cik: CIK });
    await settle();
    expect(requests).toEqual([]);
  });
});
