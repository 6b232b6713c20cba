import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { AppError } from "../errors";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/**
 * Reads a file below `root` for a URL path, refusing anything that escapes it. Returns null when the file
 * does not exist. Hashed assets get a long cache lifetime; HTML is revalidated. A path that is not valid
 * percent-encoding (`%E0%A4%A`) is the caller's mistake: 400, not a URIError turned into a 500.
 */
export async function staticFile(root: string, urlPath: string): Promise<Response | null> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw new AppError("INVALID_INPUT", "path: malformed percent-encoding", { field: "path" });
  }
  const target = resolve(join(base, normalize(decoded)));
  if (target !== base && !target.startsWith(`${base}/`)) return null;
  try {
    const info = await stat(target);
    if (!info.isFile()) return null;
    const body = await readFile(target);
    const ext = extname(target);
    return new Response(body, {
      headers: {
        "content-type": MIME[ext] ?? "application/octet-stream",
        "cache-control": ext === ".html" ? "no-cache" : "public, max-age=31536000, immutable",
      },
    });
  } catch {
    return null;
  }
}
