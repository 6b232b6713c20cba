/**
 * Truth: the derived daily close is the regular-session close (09:30-16:00 ET), not the last print of
 * the day. Loads the vendor's real MSFT trades sample (ten pre-market prints at 04:00 ET) plus the same
 * day's regular-session and after-hours prints in the same flat-file format (including a 19:30 ET print
 * at 231, the case found in review), and compares the product's figures with values computed here from
 * the raw text with a parser of the test's own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

const SAMPLE = "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv";
const sample = readFileSync(join(import.meta.dirname, "..", "fixtures", "trades", SAMPLE), "utf8");

/** ET wall-clock 2023-03-28 (EDT, UTC-4) -> nanoseconds since the epoch, as the flat files carry time. */
const ns = (hms: string) => `${BigInt(Date.parse(`2023-03-28T${hms}-04:00`)) * 1_000_000n}`;
const row = (id: number, hms: string, price: number, size: number, trf: boolean) =>
  `MSFT,,0,${trf ? 4 : 12},${id},${ns(hms)},${price},${9000 + id},${ns(hms)},${size},3,${trf ? 202 : ""},${trf ? ns(hms) : ""}`;
const session = [
  "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp",
  row(101, "10:00:00", 277, 300, false),
  row(102, "11:00:00", 276.9, 1000, true),
  row(103, "15:59:59.500", 276.38, 200, false),
  row(104, "16:30:00", 276.1, 100, false),
  row(105, "19:30:00", 231, 500, true),
].join("\n");

/** The test's own reading of a vendor trades file (tab or comma): time, price, size, venue. */
function rawPrints(text: string) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const delimiter = (lines[0] ?? "").includes("\t") ? "\t" : ",";
  // Quoted condition lists ("12,37") only occur in the tab file, where commas are not delimiters.
  const header = (lines[0] ?? "").split(delimiter);
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).map((l) => {
    const f = l.split(delimiter);
    const ms = Number(BigInt(f[col("sip_timestamp")] ?? "0") / 1_000_000n);
    const et = new Intl.DateTimeFormat("en-GB", {
      timeZone: "America/New_York",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(new Date(ms));
    return {
      ms,
      et,
      price: Number(f[col("price")]),
      size: Number(f[col("size")]),
      offExchange: f[col("exchange")] === "4",
    };
  });
}

const all = [...rawPrints(sample), ...rawPrints(session)];
const regular = (p: { et: string }) => p.et >= "09:30:00" && p.et < "16:00:01";
/** Last round-lot regular-session print: the regular-session close, computed independently. */
const expectedClose = all
  .filter((p) => regular(p) && p.size >= 100)
  .sort((a, b) => a.ms - b.ms)
  .at(-1)?.price;
const extendedOff = all.filter((p) => !regular(p) && p.offExchange).reduce((s, p) => s + p.size, 0);
const extendedLit = all.filter((p) => !regular(p) && !p.offExchange).reduce((s, p) => s + p.size, 0);
const allOff = all.filter((p) => p.offExchange).reduce((s, p) => s + p.size, 0);

describe.each(engines())("truth: daily close is the regular-session close (%s)", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const uploadPrints = (name: string, body: string) =>
    ok(upload(t.app, "prints", body, "text/csv", { name }));
  const query = { as_of: "2023-03-29T12:00:00Z" };
  const patterns = () =>
    ok(
      api(t.app)["dark-pool"][":symbol"].patterns.$get({
        param: { symbol: "MSFT" },
        query: { days: 2, ...query },
      }),
    );
  const summary = () =>
    ok(
      api(t.app)["dark-pool"][":symbol"].summary.$get({
        param: { symbol: "MSFT" },
        query: { date: "2023-03-28", ...query },
      }),
    );
  beforeAll(async () => {
    t = await buildTestApp(engine, { API_KEYS: "" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("the real sample is all pre-market: no regular-session close, its shares reported as extended hours", async () => {
    expect(rawPrints(sample).every((p) => !regular(p))).toBe(true);
    expect(await uploadPrints(SAMPLE, sample)).toMatchObject({ accepted: 10 });
    const body = await patterns();
    expect(body.days.find((d) => d.date === "2023-03-28")).toMatchObject({ close: null });
    const day = await summary();
    const sampleShares = rawPrints(sample).reduce((s, p) => s + p.size, 0);
    expect(day.extended_hours.lit_volume).toBe(sampleShares);
  });

  it("with the day's regular and after-hours prints, the close is the last regular-session print, not 19:30", async () => {
    expect(await uploadPrints("msft_2023-03-28_session.csv", session)).toMatchObject({ accepted: 5 });
    expect(expectedClose).toBe(276.38);
    const days = (await patterns()).days;
    expect(days.find((d) => d.date === "2023-03-28")?.close).toBe(expectedClose);

    const day = await summary();
    expect(day.params_version).toBe("darkpool-2");
    expect(day.total_volume).toBe(allOff);
    expect(day.extended_hours).toMatchObject({
      off_exchange_prints: 1,
      off_exchange_volume: extendedOff,
      lit_volume: extendedLit,
      regular_session_off_exchange_volume: allOff - extendedOff,
      included_in_total_volume: true,
    });
    expect(extendedOff).toBe(500);
    expect(extendedLit).toBe(331 + 100);
  });
});
