import type { Readable } from "node:stream";
import { parsePrints } from "../darkpool/prints.parse";
import type { Feed, FeedSink } from "./feed";

export interface ReplayOptions {
  /** File name, used as the feed name and in error locations. */
  name: string;
  open: () => Readable | AsyncIterable<Uint8Array | string>;
  /** 1 = real time, 10 = ten times faster, 0 = as fast as possible. Prints keep their own timestamps. */
  speed: number;
  /** Called when the file has been played to its end. */
  onEnd?: () => void;
}

/**
 * Plays a recorded file of prints (any format `parsePrints` reads) into the live pipeline, spacing them by
 * their recorded time divided by `speed`. The prints keep their original timestamps.
 */
export class ReplayFeed implements Feed {
  readonly name: string;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(private readonly o: ReplayOptions) {
    this.name = `replay:${o.name}`;
  }

  async start(sink: FeedSink): Promise<void> {
    this.stopped = false;
    this.running = this.play(sink);
  }

  /** Resolves when the whole file has been played (or the feed stopped). */
  done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async play(sink: FeedSink): Promise<void> {
    const started = Date.now();
    let firstTs: number | null = null;
    const records = parsePrints(this.o.open(), { sourceName: this.o.name, onQuote: (q) => sink.quote(q) });
    for await (const item of records) {
      if (this.stopped) break;
      if (!item.ok) {
        sink.error(item.error);
        continue;
      }
      const ts = item.record.ts.getTime();
      firstTs ??= ts;
      if (this.o.speed > 0) {
        const due = started + (ts - firstTs) / this.o.speed;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      // A replay at full speed outruns the database: wait while the pipeline's queue is full.
      sink.print(item.record);
      if (sink.accepting?.() === false) await sink.drained?.();
    }
    this.o.onEnd?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
