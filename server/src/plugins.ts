import { blocksAlertsPlugin } from "./alerts/alerts.plugin";
import type { ServicePlugin } from "./core/plugin";
import { printRetentionPlugin } from "./darkpool/retention";
import { compositePlugin } from "./market/composite.plugin";
import { syncPlugin } from "./sync/sync.plugin";

/**
 * Features that attach to the live bus when the service starts (detectors, alert delivery, retention
 * jobs). Each returns a function that stops it.
 */
export const servicePlugins: ServicePlugin[] = [
  blocksAlertsPlugin,
  printRetentionPlugin,
  syncPlugin,
  compositePlugin,
];
