import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectorOf, lineElement } from "../../../test/support/collect";
import { atsPublishedAt, parseAtsApiRows, parseAtsWeekly } from "./ats.parse";

const collect = collectorOf(lineElement);

const NAME = "finra_otc_weekly_otc_20251229.psv";
const fixture = new URL(`../../../test/fixtures/finra/${NAME}`, import.meta.url);
const HEADER =
  "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate";

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe("FINRA OTC Transparency weekly download", () => {
  it("reads the 4,654 per-symbol rows of the OTC weekly file as ATS volume, whatever the file is called", async () => {
    const { records, errors } = await collect(
      parseAtsWeekly(createReadStream(fixture), { sourceName: NAME }),
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(4654);
    expect(records.some((r) => r.symbol === "")).toBe(false);
    expect(records[0]).toMatchObject({
      // lastUpdateDate 2025-12-29 is the publication date; OTC equities appear four weeks after the week.
      weekStart: "2025-12-01",
      tier: "OTCE",
      symbol: "AABB",
      issueName: "Asia Broadband Inc Common Stock",
      mpid: "OTCN",
      participantName: "OTCN OTC LINK NQB IDQS",
      summaryType: "ATS_W_SMBL_FIRM",
      shares: 2841885,
      trades: 155,
      lastUpdateDate: "2025-12-29",
      source: "finra_ats",
      sourceRef: `${NAME}:2`,
    });
    // OTC tier: four weeks after the week start, 06:00 EST.
    expect(records[0]?.publishedAt.toISOString()).toBe("2025-12-29T11:00:00.000Z");
    // Every venue of the file is an ATS (OTC Link ECN/NQB, Global OTC, North Capital, ...).
    expect(new Set(records.map((r) => r.summaryType))).toEqual(new Set(["ATS_W_SMBL_FIRM"]));
    const renamed = await collect(parseAtsWeekly(createReadStream(fixture), { sourceName: "weekly.psv" }));
    expect(renamed.records.filter((r) => r.summaryType === "ATS_W_SMBL_FIRM")).toHaveLength(4654);
    const total = records.reduce((sum, r) => sum + r.shares, 0);
    expect(total).toBeGreaterThan(0);
    expect(records.filter((r) => r.mpid === "OTCX").length).toBe(1504);
  });

  it("keeps the firm-total row with an empty symbol when asked", async () => {
    const { records } = await collect(
      parseAtsWeekly(createReadStream(fixture), { sourceName: NAME, firmTotals: "keep" }),
    );
    expect(records).toHaveLength(4655);
    expect(records.at(-1)).toMatchObject({ symbol: "", mpid: "PPEX", shares: 1, trades: 1 });
  });

  it("takes week start and summary type from options, and Tier 1 is published two weeks later", async () => {
    const file = `${HEADER}\nNMS Tier 1|AAPL|Apple Inc. Common Stock|UBSA UBS ATS|UBSA|576612|8303|2025-06-16`;
    const { records, errors } = await collect(
      parseAtsWeekly(text(file), {
        sourceName: "upload.psv",
        weekStart: "2025-06-02",
        summaryType: "OTC_W_SMBL_FIRM",
      }),
    );
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({
      tier: "T1",
      weekStart: "2025-06-02",
      summaryType: "OTC_W_SMBL_FIRM",
      mpid: "UBSA",
    });
    // 2025-06-16 06:00 EDT = 10:00 UTC.
    expect(records[0]?.publishedAt.toISOString()).toBe("2025-06-16T10:00:00.000Z");
    expect(atsPublishedAt("2025-06-02", "T2").toISOString()).toBe("2025-06-30T10:00:00.000Z");
  });

  it("never publishes on a market holiday: a Tier 1 week due on Memorial Day appears on the Tuesday", async () => {
    expect(atsPublishedAt("2025-05-12", "T1").toISOString()).toBe("2025-05-27T10:00:00.000Z");
    // ... and a Tuesday publication still maps back to its week.
    const file = `${HEADER}\nNMS Tier 1|AAPL|Apple Inc. Common Stock|UBSA UBS ATS|UBSA|100|1|2025-05-27`;
    const { records } = await collect(parseAtsWeekly(text(file), { sourceName: "t1.psv" }));
    expect(records[0]).toMatchObject({ weekStart: "2025-05-12", summaryType: "ATS_W_SMBL_FIRM" });
    expect(records[0]?.publishedAt.toISOString()).toBe("2025-05-27T10:00:00.000Z");
  });

  it("tells non-ATS member firms from ATS venues by MPID or by a summaryTypeCode column", async () => {
    const file = [
      HEADER,
      "NMS Tier 2|AAOI|Applied Optoelectronics|CITADEL SECURITIES LLC|CDRG|900|9|2025-12-29",
      "NMS Tier 2|AAOI|Applied Optoelectronics|UBSA UBS ATS|UBSA|576612|8303|2025-12-29",
      "NMS Tier 2|AAOI|Applied Optoelectronics|NEWV NEW VENUE ATS|NEWV|5|1|2025-12-29",
    ].join("\n");
    const { records } = await collect(parseAtsWeekly(text(file), { sourceName: "x_ats_20251229.psv" }));
    expect(records.map((r) => [r.mpid, r.summaryType])).toEqual([
      ["CDRG", "OTC_W_SMBL_FIRM"],
      ["UBSA", "ATS_W_SMBL_FIRM"],
      ["NEWV", "ATS_W_SMBL_FIRM"],
    ]);
    const typed = `${HEADER}|summaryTypeCode\nNMS Tier 2|AAOI|Applied|UBSA UBS ATS|UBSA|1|1|2025-12-29|OTC_W_SMBL_FIRM`;
    const fromColumn = await collect(parseAtsWeekly(text(typed), { sourceName: "t.psv" }));
    expect(fromColumn.records[0]?.summaryType).toBe("OTC_W_SMBL_FIRM");
  });

  it("refuses a file whose week or venue type cannot be known, and reports bad rows by line", async () => {
    const undated = `${HEADER}\nOTC|AABB|Asia Broadband|OTCX OTC LINK ECN ATS|OTCX|2|1|`;
    const noWeek = await collect(parseAtsWeekly(text(undated), { sourceName: "weekly.psv" }));
    expect(noWeek.errors[0]).toMatch(/lastUpdateDate: empty, and no week start given/);
    const notMonday = await collect(
      parseAtsWeekly(text(HEADER), { sourceName: "x.psv", weekStart: "2025-12-31" }),
    );
    expect(notMonday.errors[0]).toMatch(/week start 2025-12-31: give a Monday/);
    const file = [
      HEADER,
      "OTC|AABB|Asia Broadband|OTCN OTC LINK|OTCN|-3|155|2025-12-29",
      "OTC|AABB|Asia Broadband|OTCN OTC LINK|OTCN|12|1.5|2025-12-29",
      "Tier 9|AABB|Asia Broadband|OTCN OTC LINK|OTCN|12|1|2025-12-29",
      "OTC|AABB|Asia Broadband",
      "OTC|ZVSA|ZyVersa|OTCX OTC LINK ECN ATS|OTCX|2|1|2025-12-29",
    ].join("\n");
    const { records, errors } = await collect(parseAtsWeekly(text(file), { sourceName: NAME }));
    expect(records.map((r) => r.symbol)).toEqual(["ZVSA"]);
    expect(errors).toEqual([
      '2 <totalWeeklyShareQuantity> totalWeeklyShareQuantity: "-3" is not a non-negative number',
      '3 <totalWeeklyTradeCount> totalWeeklyTradeCount: "1.5" is not a whole number',
      '4 <tierDescription> tierDescription: "Tier 9" is not NMS Tier 1, NMS Tier 2 or OTC',
      "5 <> expected 8 fields, found 3",
    ]);
  });
});

describe("FINRA Query API weeklySummary rows", () => {
  it("keeps one summary type so symbol totals are not added to per-venue rows", () => {
    const rows = [
      {
        weekStartDate: "2025-12-15",
        tierIdentifier: "T1",
        issueSymbolIdentifier: "AAPL",
        MPID: "UBSA",
        marketParticipantName: "UBSA UBS ATS",
        totalWeeklyShareQuantity: 576612,
        totalWeeklyTradeCount: 8303,
        summaryTypeCode: "ATS_W_SMBL_FIRM",
        lastUpdateDate: "2025-12-29",
      },
      {
        weekStartDate: "2025-12-15",
        tierIdentifier: "T1",
        issueSymbolIdentifier: "AAPL",
        totalWeeklyShareQuantity: 9e6,
        summaryTypeCode: "ATS_W_SMBL",
      },
      {
        weekStartDate: "2025-12-15",
        tierIdentifier: "T1",
        issueSymbolIdentifier: "AAPL",
        MPID: "JPBX",
        totalWeeklyShareQuantity: "x",
        summaryTypeCode: "ATS_W_SMBL_FIRM",
      },
    ];
    const parsed = parseAtsApiRows(rows, { sourceName: "weeklySummary", summaryTypeCode: "ATS_W_SMBL_FIRM" });
    expect(parsed).toHaveLength(2);
    expect(parsed[0]?.ok && parsed[0].record).toMatchObject({
      symbol: "AAPL",
      mpid: "UBSA",
      shares: 576612,
      trades: 8303,
      tier: "T1",
    });
    expect(parsed[0]?.ok && parsed[0].record.publishedAt.toISOString()).toBe("2025-12-29T11:00:00.000Z");
    expect(parsed[1]?.ok === false && parsed[1].error).toMatchObject({
      element: "totalWeeklyShareQuantity",
      source: "weeklySummary",
    });
  });
});
