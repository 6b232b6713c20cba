import { describe, expect, it } from "vitest";
import { collectorOf, lineElement } from "../../../test/support/collect";
import { parseDailyBars } from "./bars.parse";

const collect = collectorOf(lineElement);

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe("daily bars", () => {
  it("reads a generic CSV whatever the header case and column order, published at 20:00 New York time", async () => {
    const file =
      "Symbol,Date,Open,High,Low,Close,Volume\nAAPL,2021-01-04,133.52,133.6116,126.76,129.41,143301887\n";
    const { records, errors } = await collect(parseDailyBars(text(file), { sourceName: "bars.csv" }));
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({
      symbol: "AAPL",
      day: "2021-01-04",
      open: 133.52,
      high: 133.6116,
      low: 126.76,
      close: 129.41,
      volume: 143301887,
      transactions: null,
      source: "bars_csv",
      sourceRef: "bars.csv:2",
    });
    expect(records[0]?.publishedAt.toISOString()).toBe("2021-01-05T01:00:00.000Z");
  });

  it("reads the vendor day-aggregates layout, dating each bar by its window start in New York", async () => {
    // window_start 1609736400000000000 ns = 2021-01-04T05:00:00Z = midnight EST on Jan 4.
    const file =
      "ticker,volume,open,close,high,low,window_start,transactions\nAAPL,143301887,133.52,129.41,133.6116,126.76,1609736400000000000,1310228\n";
    const { records, errors } = await collect(parseDailyBars(text(file), { sourceName: "2021-01-04.csv" }));
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({
      symbol: "AAPL",
      day: "2021-01-04",
      transactions: 1310228,
      source: "polygon_day_aggs",
    });
  });

  it("reports bad rows by line and field", async () => {
    const file = [
      "date,symbol,open,high,low,close,volume",
      "2021-01-04,AAPL,133.52,133.61,126.76,129.41,-1",
      "2021-13-04,AAPL,133.52,133.61,126.76,129.41,1",
      "2021-01-04,AAPL,133.52,120,126.76,129.41,1",
      "2021-01-04,AAPL,abc,133.61,126.76,129.41,1",
      "2021-01-04,AAPL",
      "2021-01-05,AAPL,128.89,131.74,128.43,131.01,97664898",
    ].join("\n");
    const { records, errors } = await collect(parseDailyBars(text(file), { sourceName: "b.csv" }));
    expect(records.map((r) => r.day)).toEqual(["2021-01-05"]);
    expect(errors).toEqual([
      '2 <volume> volume: "-1" is not a non-negative number',
      '3 <date> date: "2021-13-04" is not a YYYY-MM-DD date',
      "4 <high> high: high 120 / low 126.76 do not bound open 133.52 and close 129.41",
      '5 <open> open: "abc" is not a positive price',
      '6 <open> open: "" is not a positive price',
    ]);
  });
});
