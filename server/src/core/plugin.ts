import type { attachRealtime } from "../realtime/socket";
import type { AppDeps } from "./deps";

/**
 * A feature that hooks into the running service (detectors, alert delivery, retention jobs). It starts
 * when the server starts and returns the function that stops it, or nothing when it stays off.
 */
export type ServicePlugin = (
  deps: AppDeps,
  realtime: ReturnType<typeof attachRealtime>,
) => (() => Promise<void>) | undefined;
