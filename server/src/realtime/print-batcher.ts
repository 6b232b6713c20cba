/**
 * Live prints gathered per symbol before they go to Socket.IO. A symbol's batch goes out at once when its
 * previous batch is at least `windowMs` old (a quiet symbol's print is not held back), otherwise when the
 * window ends, with everything that arrived meanwhile: under load each symbol sends at most one batch
 * per window. Windows are per symbol, so batches of different symbols spread over time instead of all
 * leaving in one burst; one timer serves all of them, and sends every symbol due within the next
 * `windowMs / 10` (a slightly shorter window, not an extra timer per symbol).
 */
export interface SymbolBatch<T> {
  symbol: string;
  items: T[];
}

export class PrintBatcher<T> {
  /** Symbols with items waiting, in the order they started waiting. */
  private pending = new Map<string, T[]>();
  /** When each symbol's last batch went out (epoch ms); as many entries as symbols seen. */
  private readonly lastSentMs = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private ready: string[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly send: (batches: SymbolBatch<T>[]) => void,
  ) {}

  /** Adds one item; call `release()` after a run of adds to send what is due at once. */
  add(symbol: string, item: T, nowMs: number): void {
    const list = this.pending.get(symbol);
    if (list) {
      list.push(item);
      return;
    }
    this.pending.set(symbol, [item]);
    const dueMs = (this.lastSentMs.get(symbol) ?? 0) + this.windowMs;
    if (dueMs <= nowMs) this.ready.push(symbol);
    else this.arm(dueMs, nowMs);
  }

  /** Sends the symbols whose window had already ended when their first item arrived. */
  release(nowMs: number): void {
    if (this.ready.length === 0) return;
    const symbols = this.ready;
    this.ready = [];
    this.emit(symbols, nowMs);
  }

  /** Sends everything waiting now (shutdown). */
  flushAll(): void {
    this.clearTimer();
    this.ready = [];
    this.emit([...this.pending.keys()], Date.now());
  }

  stop(): void {
    this.clearTimer();
  }

  private emit(symbols: string[], nowMs: number): void {
    const batches: SymbolBatch<T>[] = [];
    for (const symbol of symbols) {
      const items = this.pending.get(symbol);
      if (!items) continue;
      this.pending.delete(symbol);
      this.lastSentMs.set(symbol, nowMs);
      batches.push({ symbol, items });
    }
    if (batches.length > 0) this.send(batches);
  }

  private arm(dueMs: number, nowMs: number): void {
    if (this.timer && dueMs >= this.timerAtMs) return;
    this.clearTimer();
    this.timerAtMs = dueMs;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, dueMs - nowMs));
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const nowMs = Date.now();
    const horizonMs = nowMs + this.windowMs / 10;
    const due: string[] = [];
    let nextMs = Number.POSITIVE_INFINITY;
    for (const symbol of this.pending.keys()) {
      const dueMs = (this.lastSentMs.get(symbol) ?? 0) + this.windowMs;
      if (dueMs <= horizonMs) due.push(symbol);
      else if (dueMs < nextMs) nextMs = dueMs;
    }
    this.emit(due, nowMs);
    if (nextMs !== Number.POSITIVE_INFINITY) this.arm(nextMs, nowMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }
}
