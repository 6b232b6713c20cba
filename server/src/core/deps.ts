import type { DbHandle } from "@smt/db";
import type { PrintPipeline } from "../darkpool/pipeline";
import type { Env } from "../env";
import type { SimulatorStatus } from "../feeds/simulator";
import type { Logger } from "../lib/log";
import type { LiveBus } from "../realtime/bus";

/** Everything a request handler may use. `main.ts` builds the real ones; tests build their own. */
export interface AppDeps {
  env: Env;
  db: DbHandle;
  bus: LiveBus;
  pipeline: PrintPipeline;
  log: Logger;
  /** Clock, replaceable in tests. */
  now?: () => Date;
  /** Counters exported on /metrics. */
  metrics?: Map<string, number>;
  /** The demo simulator's state when it is the live feed (`GET /smart-money/meta`); unset otherwise. */
  demoSimulator?: () => SimulatorStatus;
}
