import type { Feed, FeedSink } from "./feed";
import { MarketModel } from "./market-model";

export interface SimulatorOptions {
  symbols: string[];
  /** Mean prints per second per symbol (Poisson arrivals). */
  printsPerSecond?: number;
  tickMs?: number;
  seed?: number;
  blockProbability?: number;
}

/**
 * Demo simulator: Poisson arrivals per symbol, ~40% of prints off-exchange, log-normal sizes with
 * occasional institutional blocks, quotes moving with the price. Prints are tagged `source = demo`.
 */
export class SimulatorFeed implements Feed {
  readonly name = "demo-simulator";
  private timer: NodeJS.Timeout | null = null;
  private readonly model: MarketModel;

  constructor(private readonly o: SimulatorOptions) {
    this.model = new MarketModel({
      seed: o.seed ?? Date.now() % 100_000,
      blockProbability: o.blockProbability ?? 0.001,
    });
  }

  async start(sink: FeedSink): Promise<void> {
    const tick = this.o.tickMs ?? 100;
    const lambda = ((this.o.printsPerSecond ?? 4) * tick) / 1000;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const symbol of this.o.symbols) {
        this.model.step(symbol, 0.0004);
        sink.quote(this.model.quote(symbol, new Date(now)));
        const n = poisson(lambda, () => this.model.uniform());
        for (let i = 0; i < n; i++) sink.print(this.model.print(symbol, new Date(now + i), "demo"));
      }
    }, tick);
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
