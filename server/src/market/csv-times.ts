/**
 * A timestamptz of a binary COPY (int64 microseconds since 2000-01-01 00:00 UTC) written as the tape's
 * select writes it for JSON: `to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` (or `.MS`,
 * milliseconds truncated). As to_char does, a year before 1 AD is written as its BC number (1 BC is
 * `0001`), a year past 9999 with all its digits, and an infinite timestamp is NULL (an empty cell).
 */

const US_PER_DAY = 86_400_000_000;
const DAYS_1970_TO_2000 = 10_957;
/** Digits of a timestamp written into the output buffer without building a string. */
export const UTC_MAX_BYTES = 40;

/**
 * Writes the timestamp at `b[p..p+8)` into `out` from `at`; returns the position after it (`at` itself for
 * an infinite timestamp).
 */
export function writeUtc(b: Buffer, p: number, out: Buffer, at: number, fractionDigits: 3 | 6): number {
  const hi = b.readInt32BE(p);
  const lo = b.readUInt32BE(p + 4);
  if ((hi === 0x7fffffff && lo === 0xffffffff) || (hi === -0x80000000 && lo === 0)) return at;
  let days: number;
  let usOfDay: number;
  if (hi > -0x100000 && hi < 0x100000) {
    // |us| < 2^52: exact as a double (about 1857 to 2142)
    const us = hi * 4294967296 + lo;
    days = Math.floor(us / US_PER_DAY);
    usOfDay = us - days * US_PER_DAY;
  } else {
    const us = b.readBigInt64BE(p);
    let d = us / BigInt(US_PER_DAY);
    if (d * BigInt(US_PER_DAY) > us) d -= 1n;
    days = Number(d);
    usOfDay = Number(us - d * BigInt(US_PER_DAY));
  }
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
  const z = days + DAYS_1970_TO_2000 + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  let o = at;
  const shown = year <= 0 ? 1 - year : year;
  if (shown > 9999) {
    o += out.write(String(shown), o, "latin1");
  } else o = digits(out, o, shown, 4);
  out[o++] = 0x2d;
  o = digits(out, o, month, 2);
  out[o++] = 0x2d;
  o = digits(out, o, day, 2);
  out[o++] = 0x54; // T
  const seconds = Math.floor(usOfDay / 1_000_000);
  o = digits(out, o, Math.floor(seconds / 3600), 2);
  out[o++] = 0x3a;
  o = digits(out, o, Math.floor(seconds / 60) % 60, 2);
  out[o++] = 0x3a;
  o = digits(out, o, seconds % 60, 2);
  out[o++] = 0x2e;
  const fraction = usOfDay - seconds * 1_000_000;
  o = fractionDigits === 6 ? digits(out, o, fraction, 6) : digits(out, o, Math.floor(fraction / 1000), 3);
  out[o++] = 0x5a; // Z
  return o;
}

/** `value` as `width` decimal digits, zero-padded. */
function digits(out: Buffer, at: number, value: number, width: number): number {
  let v = value;
  for (let i = at + width - 1; i >= at; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + width;
}
