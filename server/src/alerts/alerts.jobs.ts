/**
 * The jobs of the live blocks/alerts wiring (alerts.plugin.ts), one small piece each: channel pushes,
 * webhook delivery, baselines, the print feeds, the idle tick,
 * retention and outcomes. They share one serial queue, so alert sequence order equals announcement order
 * and no job's query overtakes an alert.
 */
import type { Db } from "@smt/db";
import type { BlocksParams } from "../blocks/blocks.params";
import type { Detectors } from "../blocks/detectors";
import type { OptionPrint } from "../blocks/options.parse";
import { contractBaseline } from "../blocks/options.store";
import type { AppDeps } from "../core/deps";
import { bucketVolumeBaseline, priceAtOrBefore } from "../darkpool/darkpool.service";
import type { EnrichedPrint } from "../darkpool/print";
import { addDays, etDateOf } from "../lib/et-time";
import type { Logger } from "../lib/log";
import type { AlertMessage, LiveBus } from "../realtime/bus";
import { type Alert, alertOutcome } from "./alerts.rules";
import {
  activeWebhooks,
  alertsAwaitingOutcome,
  deleteAlertsBefore,
  updateAlertOutcome,
  webhookGeneration,
} from "./alerts.store";
import type { Webhook, WebhookDispatcher } from "./webhooks";

export const toAlertMessage = (a: Alert): AlertMessage => ({
  ...a,
  seq: a.seq ?? 0,
  inputs: a.inputs as Record<string, unknown>,
  origin: a.origin ?? null,
});

/** Tasks run one after another, in the order queued. A task handles its own errors. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): void {
    this.tail = this.tail.then(task);
  }

  /** The task queued last (awaiting it waits for everything queued so far). */
  get current(): Promise<void> {
    return this.tail;
  }

  /** Resolves once the queue is empty, tasks queued while waiting included. */
  async settled(): Promise<void> {
    let seen: Promise<void> | null = null;
    while (seen !== this.tail) {
      seen = this.tail;
      await this.tail;
    }
  }
}

/** `blocks` and `options` channel pushes gathered while a batch runs through the detectors, sent once per symbol. */
export class ChannelPushes {
  private readonly blocks = new Map<string, unknown[]>();
  private readonly options = new Map<string, unknown[]>();

  constructor(private readonly bus: LiveBus) {}

  push(channel: "blocks" | "options", symbol: string, item: unknown): void {
    const m = channel === "blocks" ? this.blocks : this.options;
    const list = m.get(symbol);
    if (list) list.push(item);
    else m.set(symbol, [item]);
  }

  flush(): void {
    for (const [symbol, items] of this.blocks) this.bus.emit("channel", { channel: "blocks", symbol, items });
    for (const [symbol, items] of this.options)
      this.bus.emit("channel", { channel: "options", symbol, items });
    this.blocks.clear();
    this.options.clear();
  }
}

/**
 * Delivery of stored alerts to the active webhooks, whose list is cached off the alert path: refreshed
 * when this process changed them, else every 5 s (another node may have).
 */
export function webhookDelivery(db: Db, dispatcher: WebhookDispatcher, log: Logger) {
  let cache: { generation: number; atMs: number; hooks: Webhook[] } | null = null;
  const webhooksNow = async (): Promise<Webhook[]> => {
    const generation = webhookGeneration(db);
    if (cache === null || cache.generation !== generation || Date.now() - cache.atMs > 5_000)
      cache = { generation, atMs: Date.now(), hooks: await activeWebhooks(db) };
    return cache.hooks;
  };
  return async (alert: Alert): Promise<void> => {
    try {
      const hooks = await webhooksNow();
      if (hooks.length > 0) void dispatcher.dispatch(alert, hooks);
    } catch (error) {
      log.error("webhooks not loaded", { id: alert.id, error });
    }
  };
}

/**
 * Symbols whose latest stored print (equity or option) came from demo data: alerts on them are marked
 * `demo` (issue 15: a simulated "$16.9M lit sweep" passed for a real one). Listens before the detectors.
 */
export class DemoSources {
  private readonly symbols = new Set<string>();

  track(bus: AppDeps["bus"]): () => void {
    const note = (symbol: string, source: string) => {
      if (source === "demo") this.symbols.add(symbol);
      else this.symbols.delete(symbol);
    };
    const offPrints = bus.on("prints", (prints) => {
      for (const p of prints) note(p.symbol, p.source);
    });
    const offOptions = bus.on("optionPrints", (prints) => {
      for (const p of prints) note(p.underlying, p.source);
    });
    return () => {
      offPrints();
      offOptions();
    };
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }
}

/**
 * Baselines, loaded once per symbol/contract and New York day, in the background and one at a time. The
 * last day asked for is kept per key: one string compare per print, and the maps stay as large as the
 * symbols and contracts seen.
 */
export class BaselineLoader {
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly alerts: SerialQueue,
    private readonly log: Logger,
    private readonly enabled: boolean,
  ) {}

  want(days: Map<string, string>, key: string, day: string, load: () => Promise<void>): void {
    if (!this.enabled || days.get(key) === day) return;
    days.set(key, day);
    // Baselines wait for the alerts of the batch that asked for them: on the embedded database queries
    // run one at a time, and an alert must not queue behind a baseline scan.
    this.tail = this.tail.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await this.alerts.current;
      if (this.stopped) return;
      try {
        await load();
      } catch (error) {
        this.log.warn("baseline not loaded", { key, day, error });
      }
    });
  }

  /** Skips the loads not started yet; resolves when the one running (if any) is done. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.tail;
  }
}

/** Event time of the live feeds: it advances with the prints, and with wall time while none arrive. */
export class LiveClock {
  private lastEventMs = 0;
  private lastWallMs = Date.now();

  constructor(
    readonly detectors: Detectors,
    private readonly channels: ChannelPushes,
  ) {}

  saw(tsMs: number): void {
    if (tsMs > this.lastEventMs) this.lastEventMs = tsMs;
  }

  /** After a batch: close what the batch's time closed and send the channel pushes. */
  afterBatch(): void {
    this.lastWallMs = Date.now();
    this.detectors.tick(this.lastEventMs);
    this.channels.flush();
  }

  /** While idle, so open sweeps and divergence windows close. */
  idleTick(): void {
    if (this.lastEventMs === 0) return;
    this.detectors.tick(this.lastEventMs + (Date.now() - this.lastWallMs));
    this.channels.flush();
  }
}

/**
 * One batch of newly stored prints into the detectors: each print's baseline (by `keyOf`) is asked for
 * once per New York day, then the print is fed and the event time advanced.
 */
function detectorFeed<P extends { ts: Date }>(
  clock: LiveClock,
  baselines: BaselineLoader,
  keyOf: (p: P) => string,
  loadBaseline: (p: P, day: string) => Promise<void>,
  feed: (p: P) => void,
): (prints: readonly P[]) => void {
  const baselineDay = new Map<string, string>();
  return (prints) => {
    for (const p of prints) {
      const day = etDateOf(p.ts.getTime());
      baselines.want(baselineDay, keyOf(p), day, () => loadBaseline(p, day));
      feed(p);
      clock.saw(p.ts.getTime());
    }
    clock.afterBatch();
  };
}

/** Newly stored equity prints into the detectors, with each symbol's same-time-of-day baseline. */
export function feedEquityPrints(
  deps: AppDeps,
  clock: LiveClock,
  baselines: BaselineLoader,
  params: BlocksParams,
): () => void {
  const feed = detectorFeed<EnrichedPrint>(
    clock,
    baselines,
    (p) => p.symbol,
    async (p, day) => {
      const b = await bucketVolumeBaseline(
        deps.db.db,
        p.symbol,
        addDays(day, -Math.ceil(params.volumeLookbackDays * 1.5)),
        day,
        params.volumeBucketMs / 60_000,
      );
      clock.detectors.setEquityBaseline(p.symbol, b);
    },
    (p) => clock.detectors.onEquityPrint(p),
  );
  return deps.bus.on("prints", feed);
}

/** Newly stored option prints into the detectors, with each contract's volume and open-interest baseline. */
export function feedOptionPrints(
  deps: AppDeps,
  clock: LiveClock,
  baselines: BaselineLoader,
  params: BlocksParams,
): () => void {
  const feed = detectorFeed<OptionPrint>(
    clock,
    baselines,
    (p) => p.contract,
    async (p, day) => {
      const b = await contractBaseline(deps.db.db, p.contract, day, params.optionsLookbackDays);
      clock.detectors.setOptionBaseline(p, b);
    },
    (p) => clock.detectors.onOptionPrint(p),
  );
  return deps.bus.on("optionPrints", feed);
}

function every(ms: number, job: () => void): NodeJS.Timeout {
  const timer = setInterval(job, ms);
  timer.unref();
  return timer;
}

/** Advances idle detectors every `ms`. */
export const idleTicker = (clock: LiveClock, ms: number) => every(ms, () => clock.idleTick());

/** Retention: alerts older than RETENTION_ALERTS_DAYS, checked hourly. */
export function retentionJob(deps: AppDeps, queue: SerialQueue, log: Logger): NodeJS.Timeout {
  const retentionMs = deps.env.RETENTION_ALERTS_DAYS * 86_400_000;
  return every(3_600_000, () =>
    queue.run(async () => {
      try {
        const n = await deleteAlertsBefore(deps.db.db, new Date(Date.now() - retentionMs));
        if (n > 0) log.info("alerts past retention deleted", { deleted: n });
      } catch (error) {
        log.warn("alert retention failed", { error });
      }
    }),
  );
}

/** Fills in the price move 1 hour and 1 day after each alert, once those moments have passed. */
export async function evaluateAlertOutcomes(db: Db, now: Date): Promise<void> {
  for (const alert of await alertsAwaitingOutcome(db, now)) {
    const prices = new Map<number, number | null>();
    const t0 = Date.parse(alert.timestamp);
    for (const t of [t0, t0 + 3_600_000, t0 + 86_400_000])
      if (t <= now.getTime()) prices.set(t, await priceAtOrBefore(db, alert.symbol, new Date(t)));
    const outcome = alertOutcome(alert, now.getTime(), (t) => prices.get(t) ?? null);
    await updateAlertOutcome(db, alert.id, outcome);
  }
}

/** Runs the outcome evaluation every `ms` on the alert queue. */
export function outcomesJob(deps: AppDeps, queue: SerialQueue, log: Logger, ms: number): NodeJS.Timeout {
  return every(ms, () =>
    queue.run(async () => {
      try {
        await evaluateAlertOutcomes(deps.db.db, deps.now?.() ?? new Date());
      } catch (error) {
        log.warn("alert outcomes not evaluated", { error });
      }
    }),
  );
}
