import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { errorResponses, newRouter } from "../core/http";
import { AppError } from "../errors";
import { IsoDay } from "../lib/time-params";
import { decodedBody } from "./content-encoding";
import { INGEST_KIND_NAMES, INGEST_KINDS, ingestKind } from "./registry";

const SummarySchema = z
  .object({
    run_id: z.string(),
    accepted: z.number(),
    duplicates: z.number(),
    rejected: z.number(),
    errors: z.array(
      z.object({
        source: z.string(),
        line: z.number().optional(),
        element: z.string().optional(),
        message: z.string(),
      }),
    ),
    errors_truncated: z.boolean(),
    columns: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Kinds read by header name (securities): column -> header used" }),
  })
  .openapi("IngestSummary");

const ingestRoute = createRoute({
  method: "post",
  path: "/smart-money/ingest/{kind}",
  tags: ["Ingest"],
  summary: "Stream an uploaded file through the ingest pipeline",
  description:
    "The request body is the raw file. Kinds: " +
    Object.entries(INGEST_KINDS)
      .map(([k, v]) => `\`${k}\`: ${v.description}`)
      .join("; ") +
    ". The upload is all-or-nothing at the storage level: an upload over the size limit or an aborted one stores nothing. " +
    "Bad records are reported with their line and skipped, unless `strict=true`, where any bad record stores nothing. " +
    "A `.gz` file may be sent as it is with `Content-Encoding: gzip`.",
  request: {
    params: z.object({
      kind: z.string().openapi({ param: { name: "kind", in: "path" }, example: "prints" }),
    }),
    query: z.object({
      name: z
        .string()
        .max(200)
        // Stored as the rows' source_ref: a NUL byte would fail the whole insert (Postgres text).
        .refine(
          (v) => ![...v].some((ch) => ch < " " || ch === "\u007f"),
          "control characters are not allowed",
        )
        .optional()
        .openapi({ description: "File name (facility/week hints), default upload" }),
      strict: z.enum(["true", "false"]).default("false"),
      summary_type: z.enum(["ATS_W_SMBL_FIRM", "OTC_W_SMBL_FIRM"]).optional().openapi({
        description: "`ats` only: ATS or non-ATS for every row (default: by venue MPID)",
      }),
      week_start: IsoDay.optional().openapi({
        description: "`ats` only: the week's Monday (default: from lastUpdateDate)",
      }),
      accession: z
        .string()
        .regex(/^\d{10}-\d{2}-\d{6}$/, "accession must look like 0001951757-25-000093")
        .optional()
        .openapi({ description: "13f/form4: accession of a bare XML document (no submission wrapper)" }),
      filed_date: IsoDay.optional().openapi({ description: "13f/form4: filing date of a bare XML document" }),
    }),
  },
  responses: {
    200: { description: "Ingest summary", content: { "application/json": { schema: SummarySchema } } },
    413: {
      description:
        "Upload over MAX_UPLOAD_BYTES (bytes sent), or a gzip body expanding past MAX_UPLOAD_DECOMPRESSED_BYTES; nothing stored",
    },
    415: { description: "Content type not accepted for this kind, or a Content-Encoding other than gzip" },
    ...errorResponses,
  },
});

/** Counts bytes as they stream and stops the upload once it passes the limit. */
async function* limited(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > maxBytes) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Upload exceeds MAX_UPLOAD_BYTES (${maxBytes} bytes); nothing was stored`,
        {
          limit_bytes: maxBytes,
        },
      );
    }
    yield chunk;
  }
}

export function ingestRoutes(deps: AppDeps) {
  return newRouter().openapi(ingestRoute, async (c) => {
    const { kind } = c.req.valid("param");
    const q = c.req.valid("query");
    const handler = ingestKind(kind);
    if (!handler) {
      throw new AppError(
        "NOT_FOUND",
        `Unknown ingest kind "${kind}"; one of ${INGEST_KIND_NAMES.join(", ")}`,
      );
    }
    const type = (c.req.header("content-type") ?? "application/octet-stream").split(";")[0]?.trim() ?? "";
    if (!handler.contentTypes.includes(type)) {
      throw new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        `Content-Type ${type} is not accepted for ${kind}; use one of ${handler.contentTypes.join(", ")}`,
      );
    }
    const max = deps.env.MAX_UPLOAD_BYTES;
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (declared > max) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Upload of ${declared} bytes exceeds MAX_UPLOAD_BYTES (${max}); nothing was stored`,
        {
          limit_bytes: max,
        },
      );
    }
    const body = c.req.raw.body;
    if (!body) throw new AppError("INVALID_INPUT", "Empty request body: send the file as the body");
    const input = decodedBody(
      limited(body, max),
      c.req.header("content-encoding"),
      deps.env.MAX_UPLOAD_DECOMPRESSED_BYTES,
    );
    const summary = await handler.run(input, {
      db: deps.db.db,
      pipeline: deps.pipeline,
      bus: deps.bus,
      name: q.name ?? `upload.${kind}`,
      origin: "upload",
      transactional: true,
      strict: q.strict === "true",
      ats: { summaryType: q.summary_type, weekStart: q.week_start },
      hints: { accession: q.accession, filedDate: q.filed_date },
    });
    deps.log.info("upload ingested", { kind, name: q.name, ...summary, errors: summary.errors.length });
    return c.json(summary, 200);
  });
}
