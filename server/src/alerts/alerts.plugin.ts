/**
 * The live wiring of blocks and alerts: stored prints (equity from the live bus, options from
 * blocks/options.bus) go through the streaming detectors; detector events become alerts through the
 * rules; an alert is stored once (its id is derived from the event) and only the call that stored it
 * announces it on the bus (Socket.IO `alert`) and to webhooks. Blocks and option sweeps are also pushed
 * on the `blocks` and `options` channels.
 */

import { type BlocksParams, DEFAULT_BLOCKS_PARAMS } from "../blocks/blocks.params";
import { contractBaseline, equityBucketBaseline } from "../blocks/blocks.store";
import { type DetectorEvent, Detectors } from "../blocks/detectors";
import { onOptionPrintsStored } from "../blocks/options.bus";
import type { OptionPrint } from "../blocks/options.parse";
import type { AppDeps } from "../core/deps";
import { etDateOf } from "../lib/et-time";
import type { AlertMessage } from "../realtime/bus";
import {
  type Alert,
  AlertEngine,
  type AlertRulesConfig,
  alertOutcome,
  asDemoAlert,
  DEFAULT_ALERT_RULES,
} from "./alerts.rules";
import {
  activeWebhooks,
  alertsAwaitingOutcome,
  deadLetterStore,
  deleteAlertsBefore,
  insertAlert,
  priceAtOrBefore,
  updateAlertOutcome,
  webhookGeneration,
} from "./alerts.store";
import type { Webhook } from "./webhooks";
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookDeliveryOptions, WebhookDispatcher } from "./webhooks";

export interface BlocksAlertsOptions {
  params?: BlocksParams;
  rules?: AlertRulesConfig;
  webhooks?: WebhookDeliveryOptions;
  /** Load same-time-of-day and options baselines from stored data (off in unit tests that want silence). */
  loadBaselines?: boolean;
  /** How often idle detectors are advanced so sweeps and divergence windows close. */
  idleTickMs?: number;
  /** How often alerts past 1 h / 1 d get their outcome (price move) filled in. */
  outcomeEveryMs?: number;
}

/** What the plugin exposes to tests and to the routes (e.g. the dispatcher to drain on shutdown). */
export interface BlocksAlertsRuntime {
  detectors: Detectors;
  engine: AlertEngine;
  dispatcher: WebhookDispatcher;
  /** Resolves when every alert produced so far is stored and announced. */
  settled(): Promise<void>;
  /** Fills in the outcome of alerts whose 1 h / 1 d horizon has passed (also run on a timer). */
  evaluateOutcomes(now: Date): Promise<void>;
  stop(): Promise<void>;
}

export const toAlertMessage = (a: Alert): AlertMessage => ({
  ...a,
  seq: a.seq ?? 0,
  inputs: a.inputs as Record<string, unknown>,
});

export function startBlocksAlerts(deps: AppDeps, o: BlocksAlertsOptions = {}): BlocksAlertsRuntime {
  const db = deps.db.db;
  const params = o.params ?? DEFAULT_BLOCKS_PARAMS;
  const log = deps.log.child("alerts");
  const engine = new AlertEngine(params, o.rules ?? DEFAULT_ALERT_RULES);
  const dispatcher = new WebhookDispatcher(deadLetterStore(db), {
    ...(o.webhooks ?? DEFAULT_WEBHOOK_OPTIONS),
    allowPrivate: o.webhooks?.allowPrivate ?? deps.env.WEBHOOK_ALLOW_PRIVATE,
  });
  const loadBaselines = o.loadBaselines ?? true;
  let chain: Promise<void> = Promise.resolve();
  let baselineChain: Promise<void> = Promise.resolve();
  let stopped = false;

  // Channel pushes gathered while a batch runs through the detectors, sent once per symbol.
  const blocksOut = new Map<string, unknown[]>();
  const optionsOut = new Map<string, unknown[]>();
  const push = (m: Map<string, unknown[]>, symbol: string, item: unknown) => {
    const list = m.get(symbol);
    if (list) list.push(item);
    else m.set(symbol, [item]);
  };
  const flushChannels = () => {
    for (const [symbol, items] of blocksOut) deps.bus.emit("channel", { channel: "blocks", symbol, items });
    for (const [symbol, items] of optionsOut) deps.bus.emit("channel", { channel: "options", symbol, items });
    blocksOut.clear();
    optionsOut.clear();
  };

  // Webhooks, cached off the alert path: refreshed when this process changed them, else every 5 s
  // (another node may have).
  let hooksCache: { generation: number; atMs: number; hooks: Webhook[] } | null = null;
  const webhooksNow = async (): Promise<Webhook[]> => {
    const generation = webhookGeneration(db);
    if (hooksCache === null || hooksCache.generation !== generation || Date.now() - hooksCache.atMs > 5_000)
      hooksCache = { generation, atMs: Date.now(), hooks: await activeWebhooks(db) };
    return hooksCache.hooks;
  };
  const deliver = async (alert: Alert) => {
    try {
      const hooks = await webhooksNow();
      if (hooks.length > 0) void dispatcher.dispatch(alert, hooks);
    } catch (error) {
      log.error("webhooks not loaded", { id: alert.id, error });
    }
  };

  // Symbols whose latest print came from demo data: their alerts are marked `demo` (issue 15: a
  // simulated "$16.9M lit sweep" passed for a real one).
  const demoSymbols = new Set<string>();
  const noteSource = (symbol: string, source: string) => {
    if (source === "demo") demoSymbols.add(symbol);
    else demoSymbols.delete(symbol);
  };

  const onEvent = (e: DetectorEvent) => {
    if (e.kind === "block") push(blocksOut, e.symbol, e.block);
    else if (e.kind === "sweep")
      push(e.sweep.isOption ? optionsOut : blocksOut, e.symbol, { kind: "sweep", ...e.sweep });
    else if (e.kind === "options_volume_spike") push(optionsOut, e.symbol, { kind: "unusual", ...e.unusual });
    const evaluated = engine.evaluate(e);
    if (evaluated === null) return;
    const alert = demoSymbols.has(e.symbol) ? asDemoAlert(evaluated) : evaluated;
    // One chain keeps sequence order equal to announcement order.
    chain = chain.then(async () => {
      try {
        const stored = await insertAlert(db, alert);
        if (stored === null) return;
        deps.bus.emit("alert", toAlertMessage(stored));
        deps.metrics?.set("smt_alerts_total", (deps.metrics.get("smt_alerts_total") ?? 0) + 1);
        void deliver(stored);
      } catch (error) {
        log.error("alert not stored", { id: alert.id, error });
      }
    });
  };
  const detectors = new Detectors(onEvent, params);

  // Baselines, loaded once per symbol/contract and New York day, in the background and one at a time.
  // The last day asked for is kept per symbol and per contract: one string compare per print, and the
  // maps stay as large as the symbols and contracts seen.
  const equityBaselineDay = new Map<string, string>();
  const contractBaselineDay = new Map<string, string>();
  const want = (days: Map<string, string>, key: string, day: string, load: () => Promise<void>) => {
    if (!loadBaselines || days.get(key) === day) return;
    days.set(key, day);
    // Baselines wait for the alerts of the batch that asked for them: on the embedded database queries
    // run one at a time, and an alert must not queue behind a baseline scan.
    baselineChain = baselineChain.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await chain;
      if (stopped) return;
      try {
        await load();
      } catch (error) {
        log.warn("baseline not loaded", { key, day, error });
      }
    });
  };
  const minusDays = (day: string, n: number) =>
    new Date(Date.parse(`${day}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

  let lastEventMs = 0;
  let lastWallMs = Date.now();
  const offPrints = deps.bus.on("prints", (prints) => {
    for (const p of prints) {
      noteSource(p.symbol, p.source);
      const day = etDateOf(p.ts.getTime());
      want(equityBaselineDay, p.symbol, day, async () => {
        const b = await equityBucketBaseline(
          db,
          p.symbol,
          minusDays(day, Math.ceil(params.volumeLookbackDays * 1.5)),
          day,
          params.volumeBucketMs / 60_000,
        );
        detectors.setEquityBaseline(p.symbol, b);
      });
      detectors.onEquityPrint(p);
      const t = p.ts.getTime();
      if (t > lastEventMs) lastEventMs = t;
    }
    lastWallMs = Date.now();
    detectors.tick(lastEventMs);
    flushChannels();
  });
  const offOptions = onOptionPrintsStored(db, (prints: OptionPrint[]) => {
    for (const p of prints) {
      noteSource(p.underlying, p.source);
      const day = etDateOf(p.ts.getTime());
      want(contractBaselineDay, p.contract, day, async () => {
        detectors.setOptionBaseline(
          p,
          await contractBaseline(db, p.contract, day, params.optionsLookbackDays),
        );
      });
      detectors.onOptionPrint(p);
      const t = p.ts.getTime();
      if (t > lastEventMs) lastEventMs = t;
    }
    lastWallMs = Date.now();
    detectors.tick(lastEventMs);
    flushChannels();
  });

  // Event time advances with wall time while no prints arrive, so open sweeps and windows close.
  const idle = setInterval(() => {
    if (lastEventMs === 0) return;
    detectors.tick(lastEventMs + (Date.now() - lastWallMs));
    flushChannels();
  }, o.idleTickMs ?? 250);
  idle.unref();

  // Retention: alerts older than RETENTION_ALERTS_DAYS, checked hourly.
  const retentionMs = deps.env.RETENTION_ALERTS_DAYS * 86_400_000;
  const retention = setInterval(() => {
    chain = chain.then(async () => {
      try {
        const n = await deleteAlertsBefore(db, new Date(Date.now() - retentionMs));
        if (n > 0) log.info("alerts past retention deleted", { deleted: n });
      } catch (error) {
        log.warn("alert retention failed", { error });
      }
    });
  }, 3_600_000);
  retention.unref();

  // Outcomes: the price move 1 hour and 1 day after each alert, once those moments have passed.
  const evaluateOutcomes = async (now: Date) => {
    for (const alert of await alertsAwaitingOutcome(db, now)) {
      const prices = new Map<number, number | null>();
      const t0 = Date.parse(alert.timestamp);
      for (const t of [t0, t0 + 3_600_000, t0 + 86_400_000])
        if (t <= now.getTime()) prices.set(t, await priceAtOrBefore(db, alert.symbol, new Date(t)));
      const outcome = alertOutcome(alert, now.getTime(), (t) => prices.get(t) ?? null);
      await updateAlertOutcome(db, alert.id, outcome);
    }
  };
  const outcomes = setInterval(
    () => {
      chain = chain.then(async () => {
        try {
          await evaluateOutcomes(deps.now?.() ?? new Date());
        } catch (error) {
          log.warn("alert outcomes not evaluated", { error });
        }
      });
    },
    o.outcomeEveryMs ?? 5 * 60_000,
  );
  outcomes.unref();

  const settled = async () => {
    let seen: Promise<void> | null = null;
    while (seen !== chain) {
      seen = chain;
      await chain;
    }
  };

  return {
    detectors,
    engine,
    dispatcher,
    settled,
    evaluateOutcomes,
    async stop() {
      stopped = true;
      offPrints();
      offOptions();
      clearInterval(idle);
      clearInterval(retention);
      clearInterval(outcomes);
      await baselineChain;
      await settled();
      await dispatcher.drain();
    },
  };
}

/** The service plugin (server.ts `plugins`): starts the wiring and returns its stopper. */
export function blocksAlertsPlugin(deps: AppDeps): () => Promise<void> {
  const runtime = startBlocksAlerts(deps);
  return () => runtime.stop();
}
