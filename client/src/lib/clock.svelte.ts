/**
 * One shared wall clock for every "age" on the page, ticking once a second. Ages are computed from it
 * rather than from per-component timers, so a page with a hundred freshness labels runs one interval.
 */
class Clock {
  nowMs = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;

  start() {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.nowMs = Date.now();
    }, 1000);
  }

  stop() {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Age of an ISO timestamp right now, in ms; null when unknown. */
  ageOf(iso: string | null | undefined): number | null {
    if (iso == null) return null;
    const t = Date.parse(iso);
    return Number.isFinite(t) ? Math.max(0, this.nowMs - t) : null;
  }
}

export const clock = new Clock();
