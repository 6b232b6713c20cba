/**
 * Every kind of file the service ingests, by the name used in `pnpm cli ingest <kind>` and
 * `POST /smart-money/ingest/{kind}`: the plain-data lists each area exports, composed here in the order
 * `--help` and the OpenAPI description list them. A new kind goes into its area's `*.ingest-kinds.ts`.
 */
import { blocksIngestKinds } from "../blocks/blocks.ingest-kinds";
import { darkpoolIngestKinds } from "../darkpool/darkpool.ingest-kinds";
import { institutionalIngestKinds } from "../institutional/institutional.ingest-kinds";
import type { IngestKind } from "./kinds";

export const INGEST_KINDS: Readonly<Record<string, IngestKind>> = {
  ...darkpoolIngestKinds,
  ...blocksIngestKinds,
  ...institutionalIngestKinds,
};

export const INGEST_KIND_NAMES: readonly string[] = Object.keys(INGEST_KINDS);

export function ingestKind(kind: string): IngestKind | undefined {
  return Object.hasOwn(INGEST_KINDS, kind) ? INGEST_KINDS[kind] : undefined;
}
