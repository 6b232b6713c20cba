import { describe, expect, it } from "vitest";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import { LineBuffer, MAX_LINE_CHARS, readLines, splitCsvLine } from "./lines";

/** `total` bytes of `fill`, in 64 KB chunks, as a stream would deliver them. */
function* chunks(head: string, fill: string, total: number, tail: string): Generator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(head);
  const piece = enc.encode(fill.repeat(64 * 1024));
  for (let left = total; left > 0; left -= piece.length)
    yield left >= piece.length ? piece : piece.slice(0, left);
  yield enc.encode(tail);
}

async function collect(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>, name = "f.csv") {
  const lines: string[] = [];
  const iterable = (async function* () {
    yield* source;
  })();
  try {
    for await (const { text, line } of readLines(iterable, name)) lines.push(`${line}:${text}`);
  } catch (err) {
    return { lines, error: (err as Error).message };
  }
  return { lines, error: null };
}

describe("readLines", () => {
  it("splits LF and CRLF across chunk boundaries and keeps a last line without newline", async () => {
    const { lines, error } = await collect(
      ["a,b\r", "\nc", "d\n\ne", "f"].map((s) => new TextEncoder().encode(s)),
    );
    expect(error).toBeNull();
    expect(lines).toEqual(["1:a,b", "2:cd", "3:", "4:ef"]);
  });

  it("rejects a 32 MB second line with a located error after handing out the first line", async () => {
    const { lines, error } = await collect(
      chunks("Date|Symbol\n", "x", 32 * 1024 * 1024, "\nlast\n"),
      "big.csv",
    );
    expect(lines).toEqual(["1:Date|Symbol"]);
    expect(error).toMatch(/^big\.csv:2: line longer than 1048576 characters/);
  });

  it("accepts a line of exactly the limit, with or without CR", async () => {
    const line = "y".repeat(MAX_LINE_CHARS);
    const { lines, error } = await collect([new TextEncoder().encode(`${line}\r\n${line}`)]);
    expect(error).toBeNull();
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS + 2, MAX_LINE_CHARS + 2]);
  });

  it("a too-long line inside one chunk still hands out the lines before it first", () => {
    const buffer = new LineBuffer("small.txt", 4);
    expect(buffer.push("ab\ncd\ntoolong\nok\n")).toEqual(["ab", "cd"]);
    expect(() => buffer.push("more\n")).toThrow(/^small\.txt:3: line longer than 4 characters/);
  });

  it("a too-long last line without newline is refused by end()", () => {
    const buffer = new LineBuffer("tail.txt", 4);
    expect(buffer.push("ab\n")).toEqual(["ab"]);
    expect(buffer.push("abc")).toEqual([]);
    expect(buffer.push("de")).toEqual([]);
    expect(() => buffer.end()).toThrow(/^tail\.txt:2: line longer/);
  });

  it("a parser built on it stops with the located error (file:line), not a hang or a crash", async () => {
    const source = chunks(
      "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\n",
      "1",
      32 * 1024 * 1024,
      "\n",
    );
    const out: unknown[] = [];
    const run = async () => {
      for await (const r of parseShortVolume(source as unknown as AsyncIterable<Uint8Array>, {
        sourceName: "CNMSshvol20250102.txt",
      }))
        out.push(r);
    };
    await expect(run()).rejects.toThrow(/CNMSshvol20250102\.txt:2: line longer than 1048576 characters/);
  });
});

describe("splitCsvLine", () => {
  it("splits plain lines on the delimiter, keeping empty fields", () => {
    expect(splitCsvLine("a,b,,c,")).toEqual(["a", "b", "", "c", ""]);
    expect(splitCsvLine("")).toEqual([""]);
    expect(splitCsvLine("a\tb", "\t")).toEqual(["a", "b"]);
    expect(splitCsvLine("2024-01-02|AAPL|10", "|")).toEqual(["2024-01-02", "AAPL", "10"]);
  });

  it("reads RFC 4180 quoted fields: delimiters and doubled quotes inside, empty quoted fields", () => {
    expect(splitCsvLine('AAPL,"12,37",100')).toEqual(["AAPL", "12,37", "100"]);
    expect(splitCsvLine('"say ""hi""",x')).toEqual(['say "hi"', "x"]);
    expect(splitCsvLine('"",""')).toEqual(["", ""]);
    expect(splitCsvLine('a,"b"')).toEqual(["a", "b"]);
    expect(splitCsvLine('"a",')).toEqual(["a", ""]);
    expect(splitCsvLine('x\t"1\t2"\ty', "\t")).toEqual(["x", "1\t2", "y"]);
  });

  it("takes a quoted field after spaces (hand-written CSV), keeps text after the closing quote", () => {
    expect(splitCsvLine('AAPL, "Apple, Inc.", 037833100')).toEqual(["AAPL", "Apple, Inc.", " 037833100"]);
    expect(splitCsvLine('"a"b,c')).toEqual(["ab", "c"]);
  });

  it("treats a quote inside an unquoted field as a character, and an unterminated quote as the rest", () => {
    expect(splitCsvLine('12" screen,x')).toEqual(['12" screen', "x"]);
    expect(splitCsvLine('a,"b,c')).toEqual(["a", "b,c"]);
  });
});
