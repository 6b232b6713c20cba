/** `subscribe` / `unsubscribe`: a request checked against the limits, then rooms joined or left. */
import type { Socket } from "socket.io";
import { canonicalSymbol } from "../lib/symbols";
import { roomOf } from "./broadcast";
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SocketData,
  SubscribeAck,
  SubscribeRequest,
} from "./events";
import { baseRoom, filteredRoom, filterKey, parseFilter } from "./subscribe-filter";
import { MAX_SYMBOLS_PER_REQUEST, parseChannels, roomBudgetError } from "./subscribe-limits";

type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function reply(ack: unknown, result: SubscribeAck) {
  if (typeof ack === "function") (ack as (r: SubscribeAck) => void)(result);
}

export function changeRooms(
  socket: RealtimeSocket,
  req: SubscribeRequest | undefined,
  action: "join" | "leave",
): SubscribeAck {
  const fail = (message: string): SubscribeAck => ({ ok: false, error: { code: "INVALID_INPUT", message } });
  if (!req || !Array.isArray(req.symbols) || !Array.isArray(req.channels)) {
    return fail("expected {symbols: string[], channels: string[]}");
  }
  if (req.symbols.length === 0 || req.symbols.length > MAX_SYMBOLS_PER_REQUEST) {
    return fail(`symbols must hold 1 to ${MAX_SYMBOLS_PER_REQUEST} entries`);
  }
  const symbols: string[] = [];
  for (const raw of req.symbols) {
    // Rooms are keyed by the canonical symbol the bus publishes under (`BRK/B` joins `BRK.B`).
    const s = typeof raw === "string" ? raw.trim() : "";
    const canonical = s === "*" ? null : canonicalSymbol(s);
    if (canonical !== null && !canonical.ok)
      return fail(`symbols: ${JSON.stringify(raw)} is not a ticker or "*"`);
    symbols.push(canonical === null ? "*" : canonical.symbol);
  }
  const parsed = parseChannels(req.channels);
  if ("error" in parsed) return fail(parsed.error);
  const { channels } = parsed;
  const filtered = parseFilter((req as { filter?: unknown }).filter, channels);
  if ("error" in filtered) return fail(filtered.error);
  const { filter } = filtered;
  const unique = [...new Set(symbols)];
  const keys = new Map(channels.map((c) => [c, filterKey(c, filter)]));
  const bases = new Set(channels.flatMap((c) => unique.map((s) => roomOf(c, s))));
  const rooms = channels.flatMap((c) => unique.map((s) => filteredRoom(roomOf(c, s), keys.get(c) ?? null)));
  // One subscription per channel and symbol: joining replaces its other variants (plain or filtered),
  // leaving drops them all.
  const wanted = new Set(action === "join" ? rooms : []);
  const replaced = [...subscribedRooms(socket)].filter((r) => bases.has(baseRoom(r)) && !wanted.has(r));
  if (action === "join") {
    const remaining = subscribedRooms(socket);
    for (const r of replaced) remaining.delete(r);
    const overBudget = roomBudgetError(remaining, rooms);
    if (overBudget) return fail(overBudget);
  }
  for (const r of replaced) void socket.leave(r);
  if (action === "join") void socket.join(rooms);
  return {
    ok: true,
    symbols: unique,
    channels,
    ...(filter ? { filter } : {}),
    rooms: subscribedRooms(socket).size,
  };
}

/** The channel rooms a connection is in (Socket.IO also puts each socket in a room named by its id). */
function subscribedRooms(socket: Socket): Set<string> {
  const rooms = new Set(socket.rooms);
  rooms.delete(socket.id);
  return rooms;
}
