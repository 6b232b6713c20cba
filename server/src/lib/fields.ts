/**
 * Field helpers for delimited parsers on hot paths: no regex and no per-character string building.
 * (The line splitter itself is `splitCsvLine` in lines.ts.)
 */

/** True for a non-empty run of ASCII digits. */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * A decimal number as written in data files (`123`, `0.0015`, `-4.5`, `1e3`), or NaN. Unlike `Number()`,
 * an empty or blank string is NaN, not 0, and hex/binary literals are refused.
 */
export function parseDecimal(text: string): number {
  if (text.length === 0) return Number.NaN;
  const c0 = text.charCodeAt(0);
  // Must start like a decimal: digit, sign or dot (rejects " 1", "0x1A", "Infinity").
  if (!((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46)) return Number.NaN;
  if (text.length > 1 && c0 === 48) {
    const c1 = text.charCodeAt(1) | 32;
    if (c1 === 120 || c1 === 98 || c1 === 111) return Number.NaN;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Base name of a path or upload name (`/a/b/CNMSshvol20210104.txt` -> `CNMSshvol20210104.txt`). */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i === -1 ? path : path.slice(i + 1);
}

/**
 * Finds field boundaries without allocating: fills `starts`/`ends` (content offsets, quotes excluded) and
 * returns the field count, or -1 when a field holds an escaped quote (`""`) or an unterminated quote, in
 * which case the caller falls back to `splitCsvLine` (lines.ts). At most `starts.length` fields are recorded.
 */
export function scanFields(text: string, delimiter: string, starts: Int32Array, ends: Int32Array): number {
  const n = text.length;
  const max = starts.length;
  let count = 0;
  let pos = 0;
  for (;;) {
    if (count === max) return count;
    if (pos < n && text.charCodeAt(pos) === 34) {
      const close = text.indexOf('"', pos + 1);
      if (close === -1 || text.charCodeAt(close + 1) === 34) return -1;
      starts[count] = pos + 1;
      ends[count] = close;
      count++;
      pos = text.indexOf(delimiter, close + 1);
    } else {
      const end = text.indexOf(delimiter, pos);
      starts[count] = pos;
      ends[count] = end === -1 ? n : end;
      count++;
      pos = end;
    }
    if (pos === -1) return count;
    pos++; // past the delimiter
  }
}

/** A non-negative integer written in `text[start, end)`, or -1 when empty or not all digits. */
export function digitsValue(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}
