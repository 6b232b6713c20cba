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

/** Longest error text written to a log line, an HTTP body or the CLI's stderr. */
export const ERROR_TEXT_MAX_CHARS = 1000;

/**
 * An error's message with its causes (a driver wraps the database's own error as `cause`), safe to show:
 * Drizzle's "Failed query: ...\nparams: ..." keeps the statement but never the parameters (a bulk
 * insert's parameters are the whole batch: megabytes of user data), and the text is cut at
 * `ERROR_TEXT_MAX_CHARS`.
 */
export function describeError(error: unknown): string {
  let text = messageOf(error);
  let c: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    text += ` (cause: ${messageOf(c)})`;
    c = c instanceof Error ? c.cause : undefined;
  }
  return text.length > ERROR_TEXT_MAX_CHARS
    ? `${text.slice(0, ERROR_TEXT_MAX_CHARS)}... (${text.length - ERROR_TEXT_MAX_CHARS} more characters)`
    : text;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const params = message.indexOf("\nparams:");
  const statement = params === -1 ? message : `${message.slice(0, params)} (parameters omitted)`;
  return statement.length > ERROR_TEXT_MAX_CHARS
    ? `${statement.slice(0, ERROR_TEXT_MAX_CHARS)}...`
    : statement;
}

/** A stack trace without the message it starts with (the message goes through `describeError`). */
export function stackFrames(error: Error): string {
  const stack = error.stack ?? "";
  const first = stack.indexOf("\n    at ");
  return first === -1 ? "" : stack.slice(first + 1);
}

export function createLogger(level: LogLevel = "info", scope = "smt", out = process.stderr): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    let line = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${scope}] ${msg}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        line += ` ${k}=${v instanceof Error ? JSON.stringify(describeError(v)) : typeof v === "string" ? v : JSON.stringify(v)}`;
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
