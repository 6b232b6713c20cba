/**
 * Connection state recovery keeps every broadcast packet for `maxDisconnectionDuration` (2 minutes), so a
 * client back from a blip gets what it missed. Socket.IO's in-memory adapter keeps them by age only: at
 * 5,000 prints/s that is 600,000 print objects held on the heap, at 20,000/s 2.4 million, which the
 * garbage collector walks again and again (long pauses on the live path) until memory runs out. This
 * adapter also bounds them by size: at most `maxItems` prints (or other items) in all, the oldest packets
 * dropped first. A client away longer than the buffer covers is not recovered (`socket.recovered` false)
 * and backfills over REST, as after any longer disconnect (docs/socket-protocol.md).
 *
 * With REDIS_URL the Redis streams adapter is used instead, and its stream is bounded by length.
 */
import { SessionAwareAdapter } from "socket.io-adapter";

/** Items (prints, channel items, alerts count 1) kept for recovery by default: ~50 MB of prints. */
export const RECOVERY_BUFFER_ITEMS = 100_000;

type BroadcastArgs = Parameters<SessionAwareAdapter["broadcast"]>;

interface StoredPacket {
  data: unknown[];
}

/** The weight of a stored packet: the prints or items it carries (at least 1). */
function weightOf(p: StoredPacket): number {
  const payload = p.data[1] as { prints?: unknown[]; items?: unknown[] } | undefined;
  return Math.max(1, payload?.prints?.length ?? payload?.items?.length ?? 1);
}

export function boundedRecoveryAdapter(maxItems = RECOVERY_BUFFER_ITEMS) {
  return class BoundedSessionAdapter extends SessionAwareAdapter {
    private weight = 0;
    private lastLength = 0;

    /** The adapter's packet list (private in its typings, a plain array at run time). */
    private get stored(): StoredPacket[] {
      return (this as unknown as { packets: StoredPacket[] }).packets;
    }

    override broadcast(packet: BroadcastArgs[0], opts: BroadcastArgs[1]): void {
      const packets = this.stored;
      // The adapter's age-based cleanup (every minute) splices the list: recount after it did.
      if (packets.length !== this.lastLength) this.weight = packets.reduce((s, p) => s + weightOf(p), 0);
      const before = packets.length;
      super.broadcast(packet, opts);
      if (packets.length > before) this.weight += weightOf(packets[packets.length - 1] as StoredPacket);
      if (this.weight > maxItems) this.trim(packets);
      this.lastLength = packets.length;
    }

    /** Drops the oldest packets down to 90% of the bound, in one splice. */
    private trim(packets: StoredPacket[]): void {
      let drop = 0;
      while (drop < packets.length && this.weight > maxItems * 0.9) {
        this.weight -= weightOf(packets[drop] as StoredPacket);
        drop++;
      }
      packets.splice(0, drop);
    }
  };
}
