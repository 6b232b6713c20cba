import { describe, expect, it } from "vitest";
import { collect } from "../../../test/support/sec-fixtures";
import { AppError } from "../errors";
import { parseForm4 } from "./form4.parse";
import { decodeChunks, SafeXmlReader, type XmlHandler } from "./safe-xml";
import { parse13F } from "./thirteenf.parse";
import type { XmlLimits } from "./xml-limits";

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

/** Records reader events as strings; adjacent text pieces are merged (how a handler sees one text node). */
function recorder(): { events: string[]; handler: XmlHandler } {
  const events: string[] = [];
  const handler: XmlHandler = {
    open(name, attributes, depth) {
      const attrs = Object.entries(attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      events.push(`open ${name}${attrs ? `{${attrs}}` : ""} ${depth}`);
    },
    text(text) {
      const last = events.length - 1;
      if (events[last]?.startsWith("text ")) events[last] += text;
      else events.push(`text ${text}`);
    },
    close(name, depth) {
      events.push(`close ${name} ${depth}`);
    },
  };
  return { events, handler };
}

/** Reads `chunks` with a fresh reader; returns its events or the error it threw. */
function read(chunks: string[], limits: Partial<XmlLimits> = {}): string[] | AppError {
  const { events, handler } = recorder();
  const reader = new SafeXmlReader(handler, "doc.xml", limits);
  try {
    for (const chunk of chunks) reader.write(chunk);
    reader.close();
    return events;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

/** Every way of cutting `doc` in two, plus one character at a time. */
function chunkings(doc: string): string[][] {
  const out: string[][] = [[doc], [...doc]];
  for (let cut = 1; cut < doc.length; cut++) out.push([doc.slice(0, cut), doc.slice(cut)]);
  return out;
}

const RICH_DOCUMENT = `\uFEFF
<?xml version="1.0" encoding="UTF-8"?>
<!-- produced by a filer's software; <b>not</b> markup -->
<ns1:informationTable xmlns:ns1="http://www.sec.gov/edgar/document/thirteenf/informationtable" ns1:tag='single "quoted" > still a value'>
  <?filer-software build="7"?>
  <ns1:infoTable>
    <ns1:nameOfIssuer>AT&amp;T INC &lt;NEW&gt; &quot;A&quot; &apos;B&apos; &#65;&#x42;&#x1F600; Société Générale 株式会社 😀</ns1:nameOfIssuer>
    <ns1:titleOfClass><![CDATA[COM <CL A> & more]]></ns1:titleOfClass>
    <footnoteId id="F1"/>
    <footnoteId
      id = 'F2'   />
    <empty></empty>
  </ns1:infoTable   >
</ns1:informationTable>
<!-- trailing comment -->
`;

describe("the XML tokenizer reads the same events however the input is chunked", () => {
  const expected = [
    'open informationTable{xmlns:ns1=http://www.sec.gov/edgar/document/thirteenf/informationtable,ns1:tag=single "quoted" > still a value} 1',
    "text \n  \n  ",
    "open infoTable 2",
    "text \n    ",
    "open nameOfIssuer 3",
    `text AT&T INC <NEW> "A" 'B' AB😀 Société Générale 株式会社 😀`,
    "close nameOfIssuer 3",
    "text \n    ",
    "open titleOfClass 3",
    "text COM <CL A> & more",
    "close titleOfClass 3",
    "text \n    ",
    "open footnoteId{id=F1} 3",
    "close footnoteId 3",
    "text \n    ",
    "open footnoteId{id=F2} 3",
    "close footnoteId 3",
    "text \n    ",
    "open empty 3",
    "close empty 3",
    "text \n  ",
    "close infoTable 2",
    "text \n",
    "close informationTable 1",
  ];

  it("decodes entities, numeric references, CDATA, attributes in either quote, and strips prefixes", () => {
    expect(read([RICH_DOCUMENT])).toEqual(expected);
  });

  it("gives the same events for every split point and for one character at a time", () => {
    for (const chunks of chunkings(RICH_DOCUMENT)) expect(read(chunks)).toEqual(expected);
  });

  it("decodes UTF-8 split inside a multibyte character at every byte position", async () => {
    const bytes = Buffer.from(RICH_DOCUMENT, "utf8");
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const texts: string[] = [];
      for await (const text of decodeChunks(
        (async function* () {
          yield bytes.subarray(0, cut);
          yield bytes.subarray(cut);
        })(),
      ))
        texts.push(text);
      expect(read(texts)).toEqual(expected);
    }
  });

  it("reads CRLF and lone CR line ends as LF, in text, CDATA and attribute values", () => {
    expect(read(["<a b='x\r\ny\rz'>1\r\n2\r3<![CDATA[4\r\n5]]></a>"])).toEqual([
      "open a{b=x y z} 1",
      "text 1\n2\n34\n5",
      "close a 1",
    ]);
    expect(read(["<a>1\r", "\n2</a>"])).toEqual(["open a 1", "text 1\n2", "close a 1"]);
  });

  it("treats whitespace-only text around the root as nothing", () => {
    expect(read(["\n\n  <a>x</a>\n  \n"])).toEqual(["open a 1", "text x", "close a 1"]);
  });
});

describe("the XML tokenizer refuses unsafe input wherever the chunks are cut", () => {
  const unsafe = (result: string[] | AppError, pattern: RegExp) => {
    expect(result).toBeInstanceOf(AppError);
    expect((result as AppError).code).toBe("UNSAFE_DOCUMENT");
    expect((result as AppError).message).toMatch(pattern);
  };

  it("a DOCTYPE or ENTITY declaration, in any case, split anywhere, even inside a comment or CDATA", () => {
    const docs = [
      `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
      `<?xml version="1.0"?><!doctype a><a/>`,
      `<a><!ENTITY x "y"></a>`,
      `<a><!-- <!DOCTYPE a> --></a>`,
      `<a><![CDATA[<!ENTITY x "y">]]></a>`,
      `<a><?pi <!DOCTYPE a>?></a>`,
    ];
    for (const doc of docs) {
      for (const chunks of chunkings(doc)) unsafe(read(chunks), /DOCTYPE|ENTITY/);
    }
  });

  it("nesting one level deeper than the limit, not at the limit", () => {
    expect(read(["<a><b><c>x</c></b></a>"], { maxDepth: 3 })).toHaveLength(7);
    unsafe(
      read(["<a><b><c><d/></c></b></a>"], { maxDepth: 3 }),
      /nesting deeper than 3 levels at <a\/b\/c\/d>/,
    );
  });

  it("text, attribute values, tags, comments and CDATA longer than the limit, even when still incomplete", () => {
    const long = "x".repeat(101);
    const limits = { maxTextChars: 100 };
    expect(read([`<a>${"x".repeat(100)}</a>`], limits)).toHaveLength(3);
    unsafe(read([`<a>${long}</a>`], limits), /longer than 100 characters at <a>/);
    unsafe(read(["<a>", long], limits), /longer than 100/);
    unsafe(read([`<a b="${long}"/>`], limits), /longer than 100/);
    unsafe(read([`<a b="${long}`], limits), /longer than 100/);
    unsafe(read([`<a><!--${long}--></a>`], limits), /longer than 100/);
    unsafe(read([`<a><![CDATA[${long}]]></a>`], limits), /longer than 100/);
    unsafe(read([`<a><![CDATA[${long}`], limits), /longer than 100/);
  });

  it("more numeric character references in one text node than the limit, counted across chunk cuts", () => {
    const limits = { maxNumericRefs: 3 };
    expect(read(["<a>&#65;&#66;&#x43;</a><!-- -->"], limits)).toEqual(["open a 1", "text ABC", "close a 1"]);
    for (const chunks of chunkings("<a>&#65;&#66;&#x43;&#68;</a>")) {
      unsafe(read(chunks, limits), /more than 3 numeric character references in one text node at <a>/);
    }
    // The count is per text node: three in each of two nodes is fine.
    expect(read(["<a><b>&#65;&#66;&#67;</b><b>&#65;&#66;&#67;</b></a>"], limits)).toHaveLength(8);
    unsafe(read(["<a b='&#65;&#66;' c='&#67;&#68;'/>"], limits), /numeric character references/);
  });

  it("more bytes than the limit", () => {
    const result = read(["<a>", "é".repeat(60), "</a>"], { maxBytes: 100 });
    expect(result).toBeInstanceOf(AppError);
    expect((result as AppError).code).toBe("PAYLOAD_TOO_LARGE");
    expect((result as AppError).message).toContain("exceeds 100 bytes (at <a>)");
  });
});

describe("the XML tokenizer rejects malformed XML naming the document and where", () => {
  const cases: [string, string, RegExp][] = [
    ["a mismatched end tag", "<a><b>x</c></a>", /at <a\/b> .*end tag <\/c> does not match <b>/],
    ["an element left open", "<a><b>x</b>", /<a> still open/],
    ["a document cut inside a tag", "<a><b", /ends inside markup/],
    ["a document cut inside text", "<a>text", /ends inside text/],
    ["no root element", "  ", /no root element/],
    ["text before the root", "junk<a/>", /text before the root element/],
    ["text after the root", "<a/>junk", /text after the root element/],
    ["a second root", "<a/><b/>", /element <b> after the root element/],
    ["an end tag with nothing open", "</a>", /without an open element/],
    ["a bad element name", "<a><1b/></a>", /bad element name/],
    ["garbage markup", "<a><<b/></a>", /bad element name/],
    ["an undefined entity", "<a>&nbsp;</a>", /undefined entity "&nbsp;"/],
    ["a bare ampersand", "<a>AT&T</a>", /unterminated reference/],
    ["a reference to a non-character", "<a>&#0;</a>", /bad character reference/],
    ["an unquoted attribute", "<a b=c/>", /not quoted/],
    ["a repeated attribute", "<a b='1' b='2'/>", /repeated/],
    ["'<' in an attribute value", "<a b='<'/>", /"<" in the value/],
    ["CDATA outside the root", "<![CDATA[x]]><a/>", /CDATA section outside the root/],
    ["an XML declaration after content", "<a/><?xml version='1.0'?>", /XML declaration not at the start/],
    ["unknown markup", "<a><!FOO></a>", /unknown markup/],
  ];
  for (const [what, doc, pattern] of cases) {
    it(what, () => {
      for (const chunks of [[doc], [...doc]]) {
        const result = read(chunks);
        expect(result, doc).toBeInstanceOf(AppError);
        expect((result as AppError).code).toBe("INVALID_INPUT");
        expect((result as AppError).message).toMatch(
          /^doc\.xml: malformed XML at <[^>]*> \(character \d+\): /,
        );
        expect((result as AppError).message).toMatch(pattern);
      }
    });
  }

  it("stays failed after the first error", () => {
    const { handler } = recorder();
    const reader = new SafeXmlReader(handler, "doc.xml");
    expect(() => reader.write("<a></b>")).toThrow(/does not match/);
    expect(() => reader.write("<c/>")).toThrow(/does not match/);
    expect(() => reader.close()).toThrow(/does not match/);
  });
});
