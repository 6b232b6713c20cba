import { demoPriceAt, demoSessionAt } from "./demo-path";
import type { Feed, FeedSink } from "./feed";
import { MarketModel } from "./market-model";

export interface SimulatorOptions {
  symbols: string[];
  /** Mean prints per second per symbol (Poisson arrivals). */
  printsPerSecond?: number;
  tickMs?: number;
  seed?: number;
  blockProbability?: number;
  /** Wall clock, replaceable in tests. */
  now?: () => Date;
}

/** What the simulator is doing, for `/smart-money/meta` and the client's banner. */
export interface SimulatorStatus {
  running: boolean;
  /**
   * `session`: the market is open and prints carry the current time. `replay`: the market is closed,
   * so the simulator trades through the last regular session on a clock of its own (nothing trades at
   * 04:00 ET on a Saturday), and prints carry times inside that session.
   */
  clock: "session" | "replay";
  /** The New York trading day the simulated prints belong to. */
  session_day: string;
  /** The simulated clock's time of the latest tick (ISO 8601). */
  simulated_at: string;
  symbols: string[];
}

/**
 * Demo simulator: Poisson arrivals per symbol, ~40% of prints off-exchange, log-normal sizes with
 * occasional institutional blocks, quotes moving with the price. Prices stay within a small band of
 * the symbol's demo price path (demo-path.ts), the same path the demo history was made from, so the
 * live tape continues the history instead of jumping away from it. Prints are tagged `source = demo`.
 */
export class SimulatorFeed implements Feed {
  readonly name = "demo-simulator";
  private timer: NodeJS.Timeout | null = null;
  private readonly model: MarketModel;
  private readonly now: () => Date;
  /** Mean-reverting deviation from the path per symbol (fraction of price). */
  private readonly noise = new Map<string, number>();
  private replayStartedMs: number | null = null;
  private last: SimulatorStatus;

  constructor(private readonly o: SimulatorOptions) {
    this.now = o.now ?? (() => new Date());
    this.model = new MarketModel({
      seed: o.seed ?? Date.now() % 100_000,
      blockProbability: o.blockProbability ?? 0.001,
      tradeIdPrefix: "sim",
    });
    const { at: _at, ...clock } = this.clockAt(this.now());
    this.last = { running: false, symbols: o.symbols, ...clock };
  }

  status(): SimulatorStatus {
    return { ...this.last, running: this.timer !== null };
  }

  /**
   * The simulated time at a wall-clock moment: the wall clock in a session; outside one, the last
   * session replayed from its open at real speed (starting over at its close).
   */
  clockAt(wall: Date): Omit<SimulatorStatus, "running" | "symbols"> & { at: Date } {
    const s = demoSessionAt(wall);
    if (s.inSession) {
      this.replayStartedMs = null;
      return { clock: "session", session_day: s.day, simulated_at: wall.toISOString(), at: wall };
    }
    this.replayStartedMs ??= wall.getTime();
    const length = s.close.getTime() - s.open.getTime();
    const at = new Date(s.open.getTime() + ((wall.getTime() - this.replayStartedMs) % length));
    return { clock: "replay", session_day: s.day, simulated_at: at.toISOString(), at };
  }

  /** One tick: every symbol's price moves along its path, a quote and Poisson-many prints go out. */
  tick(sink: FeedSink, lambda: number): void {
    const { at, ...clock } = this.clockAt(this.now());
    this.last = { running: true, symbols: this.o.symbols, ...clock };
    for (const symbol of this.o.symbols) {
      const n0 = this.noise.get(symbol) ?? 0;
      const deviation = 0.98 * n0 + 0.0003 * this.model.gaussian();
      this.noise.set(symbol, deviation);
      this.model.setMid(symbol, demoPriceAt(symbol, at) * (1 + deviation));
      sink.quote(this.model.quote(symbol, at));
      const n = poisson(lambda, () => this.model.uniform());
      for (let i = 0; i < n; i++) {
        const ts = new Date(at.getTime() + i);
        // Published now: a replayed print becomes known at the wall-clock time it is sent.
        sink.print({
          ...this.model.print(symbol, ts, "demo"),
          publishedAt: clock.clock === "session" ? ts : this.now(),
        });
      }
    }
  }

  async start(sink: FeedSink): Promise<void> {
    const tick = this.o.tickMs ?? 100;
    const lambda = ((this.o.printsPerSecond ?? 4) * tick) / 1000;
    this.timer = setInterval(() => this.tick(sink, lambda), tick);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function poisson(lambda: number, uniform: () => number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = uniform();
  while (p > limit) {
    k++;
    p *= uniform();
  }
  return k;
}
