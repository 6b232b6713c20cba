/** Request spacing for SEC EDGAR: the interface every SEC request waits on, and the in-process limiter. */

/**
 * What every SEC request waits on: the process-wide `RateLimiter` below, or the budget shared by every
 * node through the database (`sync/sec-fair-access.ts`, used by the sync jobs and `pnpm cli fetch sec`).
 */
export interface RequestLimiter {
  take(): Promise<void>;
  /** Holds every request on this budget for `ms` (after a 429/503 with Retry-After). */
  pause?(ms: number): Promise<void>;
}

/**
 * Spaces requests so that no more than `perSecond` start in any one-second window (a token bucket with
 * a burst of one). SEC: "no more than 10 requests per second" per user across all machines, or the IP
 * is blocked for about ten minutes (https://www.sec.gov/os/accessing-edgar-data).
 */
export class RateLimiter implements RequestLimiter {
  private nextSlotMs = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async take(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + 1000 / this.perSecond;
    // Re-checked after each sleep: a timer is armed from the event loop's cached clock, which lags real time
    // while a long synchronous step holds the loop, so it can fire early.
    for (let wait = slot - now; wait > 0; wait = slot - this.now()) await this.sleep(wait);
  }

  /** Holds every later request for `ms` (the upstream answered 429/503). */
  async pause(ms: number): Promise<void> {
    this.nextSlotMs = Math.max(this.nextSlotMs, this.now() + ms);
  }
}

/** One limiter for the whole process: every EDGAR client shares it, whatever its base URL. */
export const secRateLimiter = new RateLimiter(10);
