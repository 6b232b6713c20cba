/**
 * Batch numbers per room (`prints:AAPL`), +1 per batch, so a client can tell a missed batch
 * (docs/socket-protocol.md, "Sequence numbers, gaps and recovery").
 */

/**
 * `next` returns one number per key, each the previous one for that key + 1; an array when known at once,
 * a promise when a shared counter has to be asked.
 */
export interface Sequencer {
  next(keys: string[]): number[] | Promise<number[]>;
}

/** One process: counters in memory (they restart at 1 with the process). */
export function localSequencer(): Sequencer {
  const seqs = new Map<string, number>();
  return {
    next: (keys) =>
      keys.map((k) => {
        const s = (seqs.get(k) ?? 0) + 1;
        seqs.set(k, s);
        return s;
      }),
  };
}

/** The part of a node-redis client the shared sequencer uses. */
export interface IncrClient {
  multi(): { incr(key: string): unknown; exec(): Promise<unknown[]> };
}

/**
 * Several nodes: one counter per room in Redis (`{prefix}seq:prints:AAPL`), INCR'd for every batch by
 * whichever node sends it, all keys of one flush in one MULTI round trip. Numbers are thus cluster-wide
 * and survive restarts; a client that moves between nodes sees one sequence. A round trip slower than
 * `timeoutMs` (Redis away) fails the call and the batches go out unnumbered (seq 0) rather than late.
 */
export function redisSequencer(client: IncrClient, prefix: string, timeoutMs = 1000): Sequencer {
  return {
    next(keys) {
      const tx = client.multi();
      for (const k of keys) tx.incr(`${prefix}seq:${k}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis INCR took over ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([tx.exec(), timeout])
        .then((replies) => replies.map((r) => Number(r)))
        .finally(() => clearTimeout(timer));
    },
  };
}
