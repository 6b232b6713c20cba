/**
 * The one error type of the service. Every failure a caller can act on is an `AppError` with a string
 * code; `app.onError` maps the code to an HTTP status in one place (`ERROR_CODES`, via `AppError.status`).
 */
export const ERROR_CODES = {
  /** A request or file did not match the expected format (bad JSON, wrong type, malformed record). */
  INVALID_INPUT: 400,
  /** An uploaded body or document exceeds a configured size or structure limit. */
  PAYLOAD_TOO_LARGE: 413,
  /** The content type of an upload is not one the route accepts. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Hostile or unsafe XML (entity declarations, excessive nesting, oversized text). */
  UNSAFE_DOCUMENT: 422,
  /** The stored data cover too little of what a figure needs (e.g. DIX basket coverage under its floor). */
  INSUFFICIENT_COVERAGE: 422,
  /** A symbol, filing or resource is unknown. */
  NOT_FOUND: 404,
  /** A write route or socket was used without a valid API key while keys are configured. */
  UNAUTHORIZED: 401,
  /** The key is valid but not allowed to do this. */
  FORBIDDEN: 403,
  /** Too many requests for this key or address; `Retry-After` says when to try again. */
  RATE_LIMITED: 429,
  /** The operation conflicts with stored state (e.g. a feed already running). */
  CONFLICT: 409,
  /** SEC, FINRA or a market-data vendor did not answer usefully. */
  UPSTREAM_UNAVAILABLE: 502,
  /** Configuration needed for this operation is missing (e.g. SEC_USER_AGENT). */
  NOT_CONFIGURED: 503,
  /** A bug: anything not anticipated. */
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
