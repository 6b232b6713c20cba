import { blocksAlertsPlugin } from "./alerts/alerts.plugin";
import { printRetentionPlugin } from "./darkpool/retention";
import type { StartOptions } from "./server";

/**
 * Features that attach to the live bus when the service starts (detectors, alert delivery, retention
 * jobs). Each returns a function that stops it.
 */
export const servicePlugins: NonNullable<StartOptions["plugins"]> = [
  blocksAlertsPlugin,
  printRetentionPlugin,
];
