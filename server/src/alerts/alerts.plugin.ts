/**
 * The live wiring of blocks and alerts: stored prints (equity and options, from the live bus) go through the streaming detectors; detector events become alerts through the
 * rules; an alert is pushed on the bus (Socket.IO `alert`) as soon as it is raised, with the sequence
 * number it is then stored with, once (its id is derived from the event), and delivered to webhooks by the
 * call that stored it (live-alerts.ts). Blocks and option sweeps are also pushed
 * on the `blocks` and `options` channels. The jobs themselves are in alerts.jobs.ts. Alerts raised by
 * ingests (filings, FINRA files) are announced by announcer.ts, with this process's filing alert settings.
 */

import { type BlocksParams, DEFAULT_BLOCKS_PARAMS } from "../blocks/blocks.params";
import { Detectors } from "../blocks/detectors";
import type { AppDeps } from "../core/deps";
import { AlertSeqReserve } from "./alert-seqs";
import {
  BaselineLoader,
  ChannelPushes,
  DemoSources,
  evaluateAlertOutcomes,
  feedEquityPrints,
  feedOptionPrints,
  idleTicker,
  LiveClock,
  outcomesJob,
  retentionJob,
  SerialQueue,
  webhookDelivery,
} from "./alerts.jobs";
import { AlertEngine, type AlertRulesConfig, DEFAULT_ALERT_RULES } from "./alerts.rules";
import { deadLetterStore } from "./alerts.store";
import { startAnnouncer } from "./announcer";
import { alertOnEvent } from "./live-alerts";
import { configureFilingAlerts, type FilingAlertSettings, filingAlertSettingsFrom } from "./raised-alerts";
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookDeliveryOptions, WebhookDispatcher } from "./webhooks";

export { toAlertMessage } from "./alerts.jobs";

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
  /** Filing and file alert settings (default: from the environment). */
  filingAlerts?: FilingAlertSettings;
  /** How often alerts raised by ingests are looked for (default ALERT_ANNOUNCE_POLL_MS). */
  announcePollMs?: number;
  /** Push a live alert before its insert commits, numbered from a reserve (default true; live-alerts.ts). */
  pushBeforeStore?: boolean;
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

export function startBlocksAlerts(deps: AppDeps, o: BlocksAlertsOptions = {}): BlocksAlertsRuntime {
  const db = deps.db.db;
  const params = o.params ?? DEFAULT_BLOCKS_PARAMS;
  const log = deps.log.child("alerts");
  const engine = new AlertEngine(params, o.rules ?? DEFAULT_ALERT_RULES);
  const dispatcher = new WebhookDispatcher(deadLetterStore(db), {
    ...(o.webhooks ?? DEFAULT_WEBHOOK_OPTIONS),
    allowPrivate: o.webhooks?.allowPrivate ?? deps.env.WEBHOOK_ALLOW_PRIVATE,
  });
  const queue = new SerialQueue();
  const channels = new ChannelPushes(deps.bus);
  const deliver = webhookDelivery(db, dispatcher, log);
  const demo = new DemoSources();
  const offDemo = demo.track(deps.bus);
  const seqs = o.pushBeforeStore === false ? null : new AlertSeqReserve(db, log);
  let stopping = false;
  const detectors = new Detectors(
    alertOnEvent({ deps, log, engine, queue, channels, deliver, demo, seqs, stopping: () => stopping }),
    params,
  );
  const clock = new LiveClock(detectors, channels);
  const baselines = new BaselineLoader(queue, log, o.loadBaselines ?? true);
  const offFeeds = [
    offDemo,
    feedEquityPrints(deps, clock, baselines, params),
    feedOptionPrints(deps, clock, baselines, params),
  ];
  const restoreSettings = configureFilingAlerts(o.filingAlerts ?? filingAlertSettingsFrom(deps.env), log);
  const stopAnnouncer = startAnnouncer({
    deps,
    log,
    queue,
    deliver,
    pollMs: o.announcePollMs ?? deps.env.ALERT_ANNOUNCE_POLL_MS,
  });
  const timers = [
    idleTicker(clock, o.idleTickMs ?? 250),
    retentionJob(deps, queue, log),
    outcomesJob(deps, queue, log, o.outcomeEveryMs ?? 5 * 60_000),
  ];
  return {
    detectors,
    engine,
    dispatcher,
    settled: () => queue.settled(),
    evaluateOutcomes: (now) => evaluateAlertOutcomes(db, now),
    async stop() {
      stopping = true;
      seqs?.stop();
      const baselinesDone = baselines.stop();
      for (const off of offFeeds) off();
      stopAnnouncer();
      restoreSettings();
      for (const timer of timers) clearInterval(timer);
      await baselinesDone;
      await queue.settled();
      await dispatcher.drain();
    },
  };
}

/** The service plugin (server.ts `plugins`): starts the wiring and returns its stopper. */
export function blocksAlertsPlugin(deps: AppDeps): () => Promise<void> {
  const runtime = startBlocksAlerts(deps);
  return () => runtime.stop();
}
