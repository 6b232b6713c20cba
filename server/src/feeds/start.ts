import { createReadStream } from "node:fs";
import type { PrintPipeline } from "../darkpool/pipeline";
import type { Env } from "../env";
import { AppError } from "../errors";
import type { Logger } from "../lib/log";
import { AlpacaFeed } from "./alpaca";
import type { Feed, FeedSink } from "./feed";
import { ReplayFeed } from "./replay";
import { SimulatorFeed } from "./simulator";

/** A sink that sends a feed's prints and quotes into the live pipeline. */
export function feedSinkFor(pipeline: PrintPipeline, log: Logger): FeedSink {
  return {
    print: (p) => {
      pipeline.accept(p);
    },
    accepting: () => pipeline.accepting,
    drained: () => pipeline.drained(),
    quote: (q) => pipeline.acceptQuote(q),
    error: (e) => log.warn("feed record rejected", { ...e }),
  };
}

export async function startFeed(
  kind: NonNullable<Env["FEED"]>,
  env: Env,
  pipeline: PrintPipeline,
  log: Logger,
): Promise<Feed | null> {
  const symbols = env.FEED_SYMBOLS ?? env.DEMO_SYMBOLS;
  let feed: Feed | null = null;
  if (kind === "demo") feed = new SimulatorFeed({ symbols });
  else if (kind === "replay") {
    if (!env.REPLAY_FILE) throw new AppError("NOT_CONFIGURED", "FEED=replay needs REPLAY_FILE");
    const file = env.REPLAY_FILE;
    feed = new ReplayFeed({ name: file, open: () => createReadStream(file), speed: env.REPLAY_SPEED });
  } else if (kind === "alpaca") {
    if (!env.ALPACA_KEY_ID || !env.ALPACA_SECRET_KEY) {
      throw new AppError("NOT_CONFIGURED", "FEED=alpaca needs ALPACA_KEY_ID and ALPACA_SECRET_KEY");
    }
    feed = new AlpacaFeed({
      url: env.ALPACA_STREAM_URL,
      keyId: env.ALPACA_KEY_ID,
      secretKey: env.ALPACA_SECRET_KEY,
      symbols,
      log: log.child("alpaca"),
    });
  }
  if (feed) {
    await feed.start(feedSinkFor(pipeline, log));
    log.info("live feed started", { feed: feed.name, symbols });
  }
  return feed;
}
