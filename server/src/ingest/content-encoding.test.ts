import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodedBody } from "./content-encoding";

async function* chunks(buf: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
async function text(source: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString("utf8");
}

describe("upload Content-Encoding", () => {
  const csv = `Date|Symbol|ShortVolume\n${"20210104|AAPL|100\n".repeat(2000)}`;

  it("a gzip body reaches the parsers decompressed; identity passes through", async () => {
    expect(await text(decodedBody(chunks(gzipSync(csv)), "gzip", 10_000_000))).toBe(csv);
    expect(await text(decodedBody(chunks(Buffer.from(csv)), undefined, 10))).toBe(csv);
  });

  it("a gzip body expanding past MAX_UPLOAD_DECOMPRESSED_BYTES stops with 413", async () => {
    await expect(text(decodedBody(chunks(gzipSync(csv)), "gzip", 1000))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringContaining("MAX_UPLOAD_DECOMPRESSED_BYTES"),
    });
  });

  it("another encoding is refused as unsupported, naming it", () => {
    expect(() => decodedBody(chunks(Buffer.from(csv)), "br", 1000)).toThrow(/Content-Encoding br/);
  });
});
