import { EventEmitter } from "node:events";
import type { AlertOrigin } from "../alerts/alerts.rules";
import type { OptionPrint } from "../blocks/options.parse";
import type { EnrichedPrint } from "../darkpool/print";

/**
 * What flows on the live bus inside one process (one bus per service, so two services in one process stay
 * apart). Detectors and the socket layer both listen here.
 */
export interface BusEvents {
  /**
   * New equity prints, in arrival order: from files and uploads once stored (only those new to the
   * database); from live feeds as they arrive, before their insert commits (duplicates of recent live
   * prints dropped; see `printsStored`).
   */
  prints: [prints: EnrichedPrint[]];
  /** Equity prints whose insert committed and that were new to the database (files, uploads, live). */
  printsStored: [prints: readonly EnrichedPrint[]];
  /** Newly stored option prints (never duplicates, never empty), in arrival order. */
  optionPrints: [prints: OptionPrint[]];
  /** Anything a feature wants pushed on a channel (`blocks`, `options`). */
  channel: [message: { channel: "blocks" | "options"; symbol: string; items: unknown[] }];
  /**
   * An alert to push: a live detector alert as soon as it is raised, before its insert commits (with the
   * `seq` it is stored with; alerts/live-alerts.ts); a filing or file alert once stored, by one node.
   */
  alert: [alert: AlertMessage];
  /** Live detector alerts whose insert committed (this call stored them), in the order raised. */
  alertsStored: [alerts: readonly AlertMessage[]];
  /** A filing the SEC sync stored from EDGAR's latest-filings feed (on the node that stored it). */
  filing: [filing: FilingStored];
}

/** A filing stored by the `sec-current` sync job (docs/sync.md). */
export interface FilingStored {
  accession: string;
  form: string;
  /** The CIK it was listed under (digits). */
  cik: string;
  name: string;
  filed_date: string | null;
  /** EDGAR acceptance time (the feed's `updated`). */
  accepted_at: string | null;
  /** When this service first saw it on the feed, and when it was stored. */
  seen_at: string;
  stored_at: string;
  rows_accepted: number;
  rows_duplicate: number;
}

/** The alert object pushed on the `alert` event (ARCHITECTURE.md "Contracts"). */
export interface AlertMessage {
  id: string;
  seq: number;
  symbol: string;
  type: string;
  severity: "low" | "medium" | "high" | "critical";
  timestamp: string;
  title: string;
  values: Record<string, unknown>;
  inputs: Record<string, unknown>;
  params_version: string;
  /** `demo` on alerts raised from demo data (absent on real ones). */
  source?: "demo";
  /** The filing or file a filing alert came from; null for detector alerts (always sent; docs/alerts.md). */
  origin?: AlertOrigin | null;
}

export class LiveBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends keyof BusEvents>(event: K, ...args: BusEvents[K]): void {
    this.emitter.emit(event, ...args);
  }

  on<K extends keyof BusEvents>(event: K, listener: (...args: BusEvents[K]) => void): () => void {
    this.emitter.on(event, listener as (...a: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...a: unknown[]) => void);
  }
}
