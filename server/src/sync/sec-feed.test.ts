import { describe, expect, it } from "vitest";
import { atomEntry, atomFeed, SAMPLE_FILINGS } from "../../../test/support/fake-edgar";
import { everyDuring } from "./schedule";
import { federalHolidays, isEdgarBusinessDay, latestEdgarDayAt } from "./sec-calendar";
import { MAX_FEED_ENTRIES, parseCurrentFeed } from "./sec-feed";

const air = SAMPLE_FILINGS.air;
const feedOf = (entries: string[]) => Buffer.from(atomFeed(entries), "latin1");

describe("EDGAR latest-filings Atom feed", () => {
  it("reads accession, form, CIK, role, filing date and acceptance time of each entry (owner and issuer listings)", () => {
    const page = parseCurrentFeed(feedOf(air.listings.map((l) => atomEntry(air, l))), "feed");
    expect(page.total).toBe(2);
    expect(page.malformedCount).toBe(0);
    expect(page.entries).toEqual([
      {
        accession: "0001127602-25-001055",
        form: "4",
        cik: "0001806647",
        name: "Garascia Jessica A.",
        role: "Reporting",
        filedDate: "2025-01-10",
        acceptedAt: new Date("2025-01-10T21:07:30.000Z"),
      },
      expect.objectContaining({ cik: "0000001750", name: "AAR CORP", role: "Issuer" }),
    ]);
  });

  it("decodes the ISO-8859-1 feed (accented owner names) and amendments' forms", () => {
    const entry = atomEntry({ ...air, form: "4/A" }, { cik: "123", name: "Muñoz José", role: "Reporting" });
    const page = parseCurrentFeed(feedOf([entry]), "feed");
    expect(page.entries[0]).toMatchObject({ form: "4/A", name: "Muñoz José", cik: "123" });
  });

  it("skips and reports malformed entries without losing the good ones", () => {
    const good = atomEntry(air, air.listings[0]);
    const bad = [
      good.replace("(0001806647)", "(../../../etc)"),
      good.replace("accession-number=0001127602-25-001055", "accession-number=0001127602-25-001055/../../x"),
      good.replace("(0001806647)", "(12345678901)"),
      good.replace('term="4"', 'term="8-K"'),
      good.replace("AccNo:&lt;/b&gt; 0001127602-25-001055", "AccNo:&lt;/b&gt; 0009999999-25-000001"),
      "<entry><title>no id</title></entry>\n",
    ];
    const page = parseCurrentFeed(feedOf([...bad, good]), "feed");
    expect(page.total).toBe(7);
    expect(page.entries.map((e) => e.accession)).toEqual(["0001127602-25-001055"]);
    expect(page.malformedCount).toBe(6);
    expect(page.malformed.map((m) => m.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(page.malformed[0]?.reason).toMatch(/title/);
    expect(page.malformed[1]?.reason).toMatch(/accession-number tag/);
    expect(page.malformed[3]?.reason).toMatch(/category differs/);
    expect(page.malformed[4]?.reason).toMatch(/AccNo/);
  });

  it("refuses a page that is not safe XML: a DTD, an HTML error page, too many entries", () => {
    const dtd = `<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"></feed>`;
    expect(() => parseCurrentFeed(Buffer.from(dtd), "feed")).toThrow(/unsafe XML/);
    expect(() => parseCurrentFeed(Buffer.from("<html><body>Service Unavailable"), "feed")).toThrow(
      /malformed XML/,
    );
    const many = Array.from({ length: MAX_FEED_ENTRIES + 1 }, () => "<entry></entry>");
    expect(() => parseCurrentFeed(feedOf(many), "feed")).toThrow(/more than 1000 entries/);
  });
});

describe("EDGAR business days", () => {
  it("are weekdays without federal holidays: Columbus and Veterans Day closed, Good Friday open", () => {
    expect([...federalHolidays(2025)].sort()).toEqual([
      "2025-01-01",
      "2025-01-20",
      "2025-02-17",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-10-13",
      "2025-11-11",
      "2025-11-27",
      "2025-12-25",
    ]);
    expect(isEdgarBusinessDay("2025-04-18")).toBe(true); // Good Friday: NYSE closed, EDGAR open
    expect(isEdgarBusinessDay("2025-10-13")).toBe(false); // Columbus Day: NYSE open, EDGAR closed
    expect(isEdgarBusinessDay("2025-01-09")).toBe(false); // national day of mourning
    // New Year's Day 2022 was a Saturday: observed Friday 2021-12-31.
    expect(isEdgarBusinessDay("2021-12-31")).toBe(false);
    expect(federalHolidays(2022).has("2021-12-31")).toBe(false);
    // Before 10:00 ET the expected filing day is the previous business day (Friday before a Monday).
    expect(latestEdgarDayAt(Date.parse("2025-01-13T14:00:00Z"), 10)).toBe("2025-01-10");
    expect(latestEdgarDayAt(Date.parse("2025-01-13T15:00:00Z"), 10)).toBe("2025-01-13");
  });

  it("the feed poll runs every interval from 06:00 to 22:00 ET and skips closed days", () => {
    const s = everyDuring(60, "06:00", "22:00", {
      label: "EDGAR business days",
      includes: isEdgarBusinessDay,
    });
    expect(s.describe()).toBe("every 60 s, EDGAR business days 06:00-22:00 ET");
    // Friday 2025-10-10 22:00 EDT -> Monday 10-13 is Columbus Day -> Tuesday 06:00 EDT.
    expect(new Date(s.next(Date.parse("2025-10-11T02:00:00Z"))).toISOString()).toBe(
      "2025-10-14T10:00:00.000Z",
    );
    expect(new Date(s.next(Date.parse("2025-10-14T10:00:30Z"))).toISOString()).toBe(
      "2025-10-14T10:01:00.000Z",
    );
  });
});
