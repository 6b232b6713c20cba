import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AppError } from "../errors";

/** `Content-Encoding` values an upload may carry: a `.gz` file sent as it is stored. */
export const UPLOAD_ENCODINGS = ["identity", "gzip", "x-gzip"] as const;

/**
 * The upload's bytes as the parsers need them: gzip bodies decompressed on the fly (the size limit
 * already applied to the compressed bytes sent), and the decompressed stream stopped once it passes
 * `maxDecompressedBytes` (MAX_UPLOAD_DECOMPRESSED_BYTES), so a small gzip bomb cannot expand without
 * bound. Any other encoding is refused before anything is read.
 */
export function decodedBody(
  body: AsyncIterable<Uint8Array>,
  contentEncoding: string | undefined,
  maxDecompressedBytes: number,
): AsyncIterable<Uint8Array> {
  const encoding = (contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return body;
  if (encoding !== "gzip" && encoding !== "x-gzip") {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Encoding ${encoding} is not accepted; send the file as is or gzip-compressed (Content-Encoding: gzip)`,
    );
  }
  const gunzip = pipeline(Readable.from(body), createGunzip(), () => undefined);
  return capped(gunzip, maxDecompressedBytes);
}

async function* capped(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.byteLength;
    if (seen > maxBytes) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Upload expands past MAX_UPLOAD_DECOMPRESSED_BYTES (${maxBytes} bytes) once decompressed; nothing was stored`,
        { limit_bytes: maxBytes },
      );
    }
    yield chunk;
  }
}
