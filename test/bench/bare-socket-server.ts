/**
 * The latency bench's baseline: a bare Socket.IO server (default options, no database, no pipeline, no
 * detectors, no recovery buffer) that broadcasts the same batches as the real server, built the same way:
 * each print enriched and put in wire form, gathered per symbol by the server's own batcher (at most one
 * batch per symbol per `batchMs`) and sent to the symbol's room. What the real server adds on top of this is what its figures are compared with.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { PrintEnricher } from "../../server/src/darkpool/enrich";
import type { RawPrint } from "../../server/src/darkpool/print";
import { type PrintWire, toPrintWire } from "../../server/src/darkpool/print-wire";
import { PrintBatcher } from "../../server/src/realtime/print-batcher";
import type { PhaseTarget, SentPrints } from "./latency-phase";

export async function startBareServer(batchMs: number): Promise<PhaseTarget & { close(): Promise<void> }> {
  const http = createServer();
  const io = new Server(http);
  io.on("connection", (socket) => {
    socket.on("subscribe", (req: { symbols: string[] }, ack: (r: unknown) => void) => {
      void socket.join(req.symbols.map((s) => `prints:${s}`));
      ack({ ok: true });
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
  const listeners = new Set<(b: SentPrints) => void>();
  const seqs = new Map<string, number>();
  // The server's own batcher, so the batches are the same: per symbol, at most one per window.
  const batcher = new PrintBatcher<PrintWire>(batchMs, (batches) => {
    const atMs = Date.now();
    for (const { symbol, items: prints } of batches) {
      const seq = (seqs.get(symbol) ?? 0) + 1;
      seqs.set(symbol, seq);
      io.to(`prints:${symbol}`).emit("prints", { symbol, seq, prints });
      const timestamps = prints.map((p) => p.timestamp);
      for (const l of listeners) l({ symbol, seq, timestamps, atMs });
    }
  });
  // Like the pipeline, prints that arrive in one event-loop turn are handed over together.
  let turn: PrintWire[] = [];
  const handOver = () => {
    const nowMs = Date.now();
    for (const p of turn) batcher.add(p.symbol, p, nowMs);
    turn = [];
    batcher.release(nowMs);
  };
  return {
    url,
    accept(print: RawPrint) {
      if (turn.length === 0) setImmediate(handOver);
      turn.push(toPrintWire(enricher.enrich(print)));
      return true;
    },
    drained: () => Promise.resolve(),
    onSent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      batcher.stop();
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}
