import { ALERT_SEVERITIES, ALERT_TYPES, type AlertSeverity, severityRank } from "../alerts/alerts.rules";
import type { AlertMessage, Channel, PrintWire, SubscribeFilter } from "./events";

/**
 * Server-side filters on a subscription (docs/socket-protocol.md, "Filters"): `min_value` for prints,
 * `types` and `min_severity` for alerts. A filtered subscription is a room of its own, named after the
 * plain room and the canonical filter (`prints:*|min_value=1000000`), so that connection state recovery
 * restores it like any other room and one emit serves every connection that asked for the same filter.
 */

/** Largest `min_value` accepted (USD): larger than any print, small enough to stay an exact number. */
export const MAX_MIN_VALUE = 1e12;
/** Entries in `types` (after that, duplicates count once). */
export const MAX_FILTER_TYPES = 16;
/** Longest string accepted anywhere in a filter, checked before any lookup. */
export const MAX_FILTER_STRING = 64;

const KEYS = ["min_value", "types", "min_severity"] as const;
/** Which channel each filter field applies to. */
const FIELD_CHANNEL = { min_value: "prints", types: "alerts", min_severity: "alerts" } as const;

const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > MAX_FILTER_STRING ? `${s.slice(0, MAX_FILTER_STRING)}...` : s;
};

/**
 * The filter of a request, normalized (types each once, in ALERT_TYPES order), `null` for none
 * (absent or `{}`), or the reason it is refused. `channels`: those of the request; a field whose channel
 * is not among them is refused rather than silently ignored.
 */
export function parseFilter(
  raw: unknown,
  channels: readonly Channel[],
): { filter: SubscribeFilter | null } | { error: string } {
  if (raw === undefined) return { filter: null };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { error: "filter must be an object with any of min_value, types, min_severity" };
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      return { error: `filter: unknown key ${short(key)} (allowed: ${KEYS.join(", ")})` };
    }
    const channel = FIELD_CHANNEL[key as keyof typeof FIELD_CHANNEL];
    if (!channels.includes(channel)) {
      return { error: `filter: ${key} applies to the ${channel} channel, which this request does not name` };
    }
  }
  const filter: SubscribeFilter = {};
  if ("min_value" in obj) {
    const v = obj.min_value;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_MIN_VALUE) {
      return {
        error: `filter: min_value must be a number of USD from 0 to ${MAX_MIN_VALUE}, got ${short(v)}`,
      };
    }
    filter.min_value = v;
  }
  if ("types" in obj) {
    const t = obj.types;
    if (!Array.isArray(t) || t.length === 0 || t.length > MAX_FILTER_TYPES) {
      return { error: `filter: types must be a list of 1 to ${MAX_FILTER_TYPES} alert types` };
    }
    const wanted = new Set<string>();
    for (const entry of t) {
      if (
        typeof entry !== "string" ||
        entry.length > MAX_FILTER_STRING ||
        !(ALERT_TYPES as readonly string[]).includes(entry)
      ) {
        return { error: `filter: types: ${short(entry)} is not one of ${ALERT_TYPES.join(", ")}` };
      }
      wanted.add(entry);
    }
    filter.types = ALERT_TYPES.filter((a) => wanted.has(a));
  }
  if ("min_severity" in obj) {
    const s = obj.min_severity;
    if (typeof s !== "string" || !(ALERT_SEVERITIES as readonly string[]).includes(s)) {
      return { error: `filter: min_severity: ${short(s)} is not one of ${ALERT_SEVERITIES.join(", ")}` };
    }
    filter.min_severity = s as AlertSeverity;
  }
  return { filter: Object.keys(filter).length > 0 ? filter : null };
}

/** The part of a filter that applies to `channel`, as a room suffix (`min_value=1000`), or `null`. */
export function filterKey(channel: Channel, f: SubscribeFilter | null): string | null {
  if (!f) return null;
  const parts: string[] = [];
  if (channel === "prints" && f.min_value !== undefined) parts.push(`min_value=${f.min_value}`);
  if (channel === "alerts" && f.types) parts.push(`types=${f.types.join(",")}`);
  if (channel === "alerts" && f.min_severity) parts.push(`min_severity=${f.min_severity}`);
  return parts.length > 0 ? parts.join("&") : null;
}

/** `prints:AAPL` + `min_value=1000` -> `prints:AAPL|min_value=1000`; no key, the plain room. */
export const filteredRoom = (room: string, key: string | null) => (key ? `${room}|${key}` : room);

/** The plain room a (filtered or plain) room belongs to. */
export const baseRoom = (room: string) => {
  const i = room.indexOf("|");
  return i < 0 ? room : room.slice(0, i);
};

/** A filter room's filter, read back from its name (rooms come back by name on session recovery). */
export function filterOfRoom(room: string): SubscribeFilter | null {
  const i = room.indexOf("|");
  if (i < 0) return null;
  const f: SubscribeFilter = {};
  for (const part of room.slice(i + 1).split("&")) {
    const [k, v = ""] = part.split("=");
    if (k === "min_value") f.min_value = Number(v);
    else if (k === "types") f.types = v.split(",") as SubscribeFilter["types"];
    else if (k === "min_severity") f.min_severity = v as AlertSeverity;
  }
  return f;
}

export const printPasses = (f: SubscribeFilter, p: PrintWire) =>
  f.min_value === undefined || p.value >= f.min_value;

export const alertPasses = (f: SubscribeFilter, a: AlertMessage) =>
  (f.types === undefined || (f.types as readonly string[]).includes(a.type)) &&
  (f.min_severity === undefined || severityRank(a.severity) >= severityRank(f.min_severity));

/**
 * The filter rooms that exist on this node, by plain room (`prints:*` -> {`prints:*|min_value=1000`: filter}),
 * kept from the adapter's create-room/delete-room events, so joins, leaves, disconnects and recovered
 * sessions all count. Empty (the common case) means the send path does no filter work at all.
 */
export class FilterRooms {
  readonly byBase = new Map<string, Map<string, SubscribeFilter>>();

  add(room: string) {
    const f = filterOfRoom(room);
    if (!f) return;
    const base = baseRoom(room);
    let m = this.byBase.get(base);
    if (!m) {
      m = new Map();
      this.byBase.set(base, m);
    }
    m.set(room, f);
  }

  remove(room: string) {
    const base = baseRoom(room);
    const m = this.byBase.get(base);
    if (!m) return;
    m.delete(room);
    if (m.size === 0) this.byBase.delete(base);
  }
}
