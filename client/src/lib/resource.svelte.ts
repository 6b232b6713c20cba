import { ApiError } from "./api";

export type LoadStatus = "idle" | "loading" | "ready" | "empty" | "error";

/**
 * One REST payload's lifecycle for a section: loading, ready, empty (404: unknown symbol or an endpoint
 * this server does not have yet) or error (anything else, with a retry). A newer load aborts the older one,
 * so switching symbols quickly never shows a stale symbol's data. The payload is `$state.raw`: it is
 * replaced whole, never mutated, and charts read plain objects from it.
 */
export class Resource<T> {
  status = $state<LoadStatus>("idle");
  data = $state.raw<T | null>(null);
  error = $state<ApiError | null>(null);
  /** When the payload arrived (ms since epoch). */
  fetchedAtMs = $state<number | null>(null);
  #controller: AbortController | null = null;
  #loader: ((signal: AbortSignal) => Promise<T>) | null = null;

  /** Starts a load; `keepData` refreshes in place (no loading flash) when the subject did not change. */
  async load(loader: (signal: AbortSignal) => Promise<T>, keepData = false): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#loader = loader;
    if (!keepData || this.data === null) {
      this.status = "loading";
      this.data = null;
    }
    try {
      const data = await loader(controller.signal);
      if (controller.signal.aborted) return;
      this.data = data;
      this.error = null;
      this.status = "ready";
      this.fetchedAtMs = Date.now();
    } catch (e) {
      if (controller.signal.aborted) return;
      const err =
        e instanceof ApiError ? e : new ApiError(0, "CLIENT", e instanceof Error ? e.message : String(e));
      this.error = err;
      if (!keepData || this.data === null) {
        this.data = null;
        this.status = err.isNotFound ? "empty" : "error";
      }
    }
  }

  /** Loads again with the last loader, keeping what is shown until the new payload arrives. */
  refresh(): Promise<void> {
    return this.#loader ? this.load(this.#loader, true) : Promise.resolve();
  }

  /** Loads again from scratch (the retry button). */
  retry(): Promise<void> {
    return this.#loader ? this.load(this.#loader) : Promise.resolve();
  }

  cancel() {
    this.#controller?.abort();
    this.#controller = null;
  }
}
