import { formatLocation, type LocatedError, type Parsed } from "../../server/src/lib/records";

/** Every item of an async iterable, in order. */
export async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

/** How parser tests spell an error out: `file.csv:12 <element> message` (`<>` without an element). */
export const sourceLineElement = (e: LocatedError): string =>
  `${e.source}:${e.line ?? ""} <${e.element ?? ""}> ${e.message}`;
/** The same without the file name, for tests of one file: `12 <element> message`. */
export const lineElement = (e: LocatedError): string => `${e.line ?? ""} <${e.element ?? ""}> ${e.message}`;
/** As the CLI and the API write it (`formatLocation`): `file.csv:12 message`. */
export const located = (e: LocatedError): string => `${formatLocation(e)} ${e.message}`;

/** A parser's output split into its records and its errors (each written by `format`), in order. */
export async function collectParsed<T>(
  gen: AsyncIterable<Parsed<T>>,
  format: (e: LocatedError) => string = sourceLineElement,
): Promise<{ records: T[]; errors: string[] }> {
  const records: T[] = [];
  const errors: string[] = [];
  for await (const p of gen) {
    if (p.ok) records.push(p.record);
    else errors.push(format(p.error));
  }
  return { records, errors };
}

/** `collectParsed` with errors written by `format`, for a test file to name `collect` once. */
export const collectorOf =
  (format: (e: LocatedError) => string) =>
  <T>(gen: AsyncIterable<Parsed<T>>) =>
    collectParsed(gen, format);
