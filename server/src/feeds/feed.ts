import type { Quote, RawPrint } from "../darkpool/print";
import type { LocatedError } from "../lib/records";

/** Where a live feed delivers: the print pipeline (see `feedSinkFor`). */
export interface FeedSink {
  print(print: RawPrint): void;
  /**
   * False while the pipeline's store queue is full (docs/architecture.md, "Live path"): a feed that can
   * pause checks it after a print and waits for `drained()`. One that cannot keeps sending, and prints
   * beyond the queue's capacity are refused.
   */
  accepting?(): boolean;
  drained?(): Promise<void>;
  quote(quote: Quote): void;
  error(error: LocatedError): void;
}

/** A live source of prints: a vendor WebSocket, a file replay, or the demo simulator. */
export interface Feed {
  readonly name: string;
  start(sink: FeedSink): Promise<void>;
  stop(): Promise<void>;
}
