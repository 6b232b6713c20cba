/** A small structured logger: one line per event, `key=value` fields, level from LOG_LEVEL. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

/** An error's message with its causes (a driver wraps the database's own error as `cause`). */
function errorText(error: Error): string {
  let text = error.message;
  for (let c: unknown = error.cause, depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    text += ` (cause: ${c instanceof Error ? c.message : String(c)})`;
    c = c instanceof Error ? c.cause : undefined;
  }
  return text;
}

export function createLogger(level: LogLevel = "info", scope = "smt", out = process.stderr): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    let line = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${scope}] ${msg}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        line += ` ${k}=${v instanceof Error ? JSON.stringify(errorText(v)) : typeof v === "string" ? v : JSON.stringify(v)}`;
      }
    }
    out.write(`${line}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (s) => createLogger(level, `${scope}:${s}`, out),
  };
}
