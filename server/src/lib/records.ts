/**
 * What every parser yields: a typed record with its location, or a located error. Parsers never throw
 * on a bad record; they report it and carry on, so one bad line does not hide the rest of a file.
 */
export interface Location {
  /** File name, upload name or feed name. */
  source: string;
  /** 1-based line number for line formats. */
  line?: number | undefined;
  /** XML element path or JSON field for structured formats. */
  element?: string | undefined;
}

export interface LocatedError extends Location {
  message: string;
}

export type Parsed<T> = { ok: true; record: T; at: Location } | { ok: false; error: LocatedError };

export const parsedOk = <T>(record: T, at: Location): Parsed<T> => ({ ok: true, record, at });
export const parsedError = <T>(at: Location, message: string): Parsed<T> => ({
  ok: false,
  error: { ...at, message },
});

/** `file.csv:12` or `file.xml <infoTable[3]/value>`: how a location is written in messages and `source_ref`. */
export function formatLocation(at: Location): string {
  let out = at.source;
  if (at.line !== undefined) out += `:${at.line}`;
  if (at.element !== undefined) out += ` <${at.element}>`;
  return out;
}
