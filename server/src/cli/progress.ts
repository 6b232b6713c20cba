import type { Readable } from "node:stream";

/** Files above this size get a progress bar on stderr. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Counts bytes flowing through a stream and redraws a one-line progress bar on stderr, e.g.
 * `prints x.csv  [#########---------------]  45%  120.0/266.1 MB  80,312 rec/s`. Off a terminal only
 * the final line is written.
 */
export function withProgress(
  stream: Readable,
  label: string,
  totalBytes: number,
  records: () => number,
  out: NodeJS.WriteStream = process.stderr,
) {
  let read = 0;
  const started = Date.now();
  const enabled = totalBytes >= PROGRESS_MIN_BYTES;
  const draw = (final = false) => {
    const frac = totalBytes > 0 ? Math.min(1, read / totalBytes) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = Math.round(records() / secs).toLocaleString("en-US");
    const line = `${label}  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${(read / 1e6).toFixed(1)}/${(totalBytes / 1e6).toFixed(1)} MB  ${rate} rec/s`;
    if (out.isTTY) out.write(`\r${line}${final ? "\n" : ""}`);
    else if (final) out.write(`${line}\n`);
  };
  const timer = enabled ? setInterval(() => draw(), 250) : null;
  stream.on("data", (chunk: Buffer | string) => {
    read += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
  });
  return {
    done() {
      if (timer) clearInterval(timer);
      if (enabled) draw(true);
    },
  };
}
