/**
 * Telling a database error about the data (retrying cannot help) from one about the connection or the
 * server (retrying can): the live print store and the live alert store both retry the second kind.
 */

/** SQLSTATE classes that mean a row is bad (22 data exception, 23 integrity violation). */
const BAD_ROW_CLASSES = new Set(["22", "23"]);

/** The SQLSTATE of a driver error, looked for along its `cause` chain (Drizzle wraps the driver's error). */
export function sqlState(error: unknown): string | null {
  let e: unknown = error;
  for (let depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** True when the database rejected a row itself (SQLSTATE class 22 or 23), not the connection. */
export function isBadRowError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== null && BAD_ROW_CLASSES.has(state.slice(0, 2));
}
