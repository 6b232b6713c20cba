import { CHANNELS, type Channel } from "./events";

/**
 * Bounds on what one Socket.IO client may ask for (docs/socket-protocol.md, "Limits"). Rooms are
 * channels x symbols, so without them one small message could make the server build millions of rooms.
 */
export const MAX_SYMBOLS_PER_REQUEST = 500;
/** Rooms one connection may be in at once (4 channels of 500 symbols). */
export const MAX_ROOMS_PER_SOCKET = 2_000;
/** Largest Socket.IO message accepted; a larger one closes the connection (engine.io maxHttpBufferSize). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The channels of a request, each once, or the reason they are not acceptable. */
export function parseChannels(raw: unknown[]): { channels: Channel[] } | { error: string } {
  if (raw.length === 0 || raw.length > CHANNELS.length) {
    return { error: `channels must hold 1 to ${CHANNELS.length} entries (${CHANNELS.join(", ")})` };
  }
  const channels = new Set<Channel>();
  for (const c of raw) {
    if (!(CHANNELS as readonly unknown[]).includes(c)) {
      return { error: `channels: ${JSON.stringify(c)} is not one of ${CHANNELS.join(", ")}` };
    }
    channels.add(c as Channel);
  }
  return { channels: [...channels] };
}

/**
 * Refuses a join that would put a connection in more than MAX_ROOMS_PER_SOCKET rooms (`joined`: the
 * rooms it is in now, without its own id room), before any room is created.
 */
export function roomBudgetError(joined: ReadonlySet<string>, wanted: readonly string[]): string | null {
  let total = joined.size;
  for (const room of wanted) if (!joined.has(room)) total++;
  return total > MAX_ROOMS_PER_SOCKET
    ? `this subscription would put the connection in ${total} rooms (channels x symbols), over the limit of ${MAX_ROOMS_PER_SOCKET} rooms per connection; unsubscribe first or use "*"`
    : null;
}
