import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { parseForm4 } from "./form4.parse";
import { collect } from "./test-helpers";
import { parse13F } from "./thirteenf.parse";

/** Yields `count` copies of `piece` after `prefix`: a large document without building it in memory. */
async function* repeated(prefix: string, piece: string, count: number, suffix = ""): AsyncGenerator<string> {
  yield prefix;
  const batch = piece.repeat(Math.max(1, Math.floor(65536 / piece.length)));
  const perBatch = Math.max(1, Math.floor(65536 / piece.length));
  for (let done = 0; done < count; done += perBatch) yield batch;
  yield suffix;
}

async function rejection(source: AsyncIterable<string>, parser: "13f" | "form4" = "13f"): Promise<AppError> {
  const started = performance.now();
  try {
    if (parser === "13f")
      await collect(parse13F(source, { sourceName: "hostile.xml", limits: { maxBytes: 2 * 1024 * 1024 } }));
    else await collect(parseForm4(source, { sourceName: "hostile.xml" }));
  } catch (err) {
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("the hostile document was accepted");
}

describe("hostile XML is rejected quickly with a message naming the problem", () => {
  it("billion laughs (entity expansion through a DOCTYPE)", async () => {
    const doc = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ownershipDocument><remarks>&lol9;</remarks></ownershipDocument>`;
    const err = await rejection(
      (async function* () {
        yield doc;
      })(),
      "form4",
    );
    expect(err.code).toBe("UNSAFE_DOCUMENT");
    expect(err.message).toContain("DOCTYPE");
  });

  it("a DOCTYPE split across chunk boundaries is still seen", async () => {
    const err = await rejection(
      (async function* () {
        yield "<?xml version='1.0'?><!DOC";
        yield "TYPE x [<!ENTITY a 'b'>]><informationTable/>";
      })(),
    );
    expect(err.code).toBe("UNSAFE_DOCUMENT");
  });

  it("deep nesting", async () => {
    const err = await rejection(repeated("<informationTable>", "<a>", 200_000));
    expect(err.code).toBe("UNSAFE_DOCUMENT");
    expect(err.message).toMatch(/nesting deeper than 64 levels at <informationTable\/a\/a/);
  });

  it("a huge run of numeric character references", async () => {
    const err = await rejection(repeated("<informationTable><infoTable><nameOfIssuer>", "&#65;", 2_000_000));
    expect(err.code).toBe("UNSAFE_DOCUMENT");
    expect(err.message).toContain("numeric character references");
    expect(err.message).toContain("informationTable/infoTable/nameOfIssuer");
  });

  it("a giant text node", async () => {
    const err = await rejection(repeated("<informationTable><infoTable><nameOfIssuer>", "A", 4_000_000));
    expect(err.code).toBe("UNSAFE_DOCUMENT");
    expect(err.message).toContain("longer than");
  });

  it("an oversized document made of ordinary rows", async () => {
    const row =
      "<infoTable><nameOfIssuer>X</nameOfIssuer><cusip>037833100</cusip><value>1</value><shrsOrPrnAmt><sshPrnamt>1</sshPrnamt><sshPrnamtType>SH</sshPrnamtType></shrsOrPrnAmt></infoTable>";
    const err = await rejection(repeated("<informationTable>", row, 200_000, "</informationTable>"));
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.message).toContain("exceeds 2097152 bytes");
  });

  it("truncated XML is an error, not a silent partial success", async () => {
    const run = collect(
      parse13F(
        (async function* () {
          yield "<informationTable><infoTable><nameOfIssuer>X</nameOfIssuer>";
        })(),
        { sourceName: "cut.xml" },
      ),
    );
    await expect(run).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
