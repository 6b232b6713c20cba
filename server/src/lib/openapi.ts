/**
 * Schema pieces shared by the areas' payloads (freshness and sources, ARCHITECTURE.md invariant 7).
 * The router, `AppEnv` and the error schemas are in core/http.ts.
 */
import { z } from "@hono/zod-openapi";

/** How old each input is and where it came from (ARCHITECTURE.md invariant 7). */
export const Freshness = z
  .object({
    input: z.string(),
    latest: z.string().nullable().openapi({ description: "Timestamp of the newest input row (ISO 8601)" }),
    age_seconds: z.number().nullable(),
    expected_delay: z
      .string()
      .openapi({ description: "How late this source is by nature, e.g. 'T+1 after 18:00 ET'" }),
  })
  .openapi("Freshness");

export const Source = z
  .object({ source: z.string(), rows: z.number(), latest_ref: z.string().nullable() })
  .openapi("Source");

export const isoOrNull = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

export function freshness(
  input: string,
  latest: Date | string | null,
  expectedDelay: string,
  now = new Date(),
) {
  const iso = isoOrNull(latest);
  return {
    input,
    latest: iso,
    age_seconds: iso === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000)),
    expected_delay: expectedDelay,
  };
}
