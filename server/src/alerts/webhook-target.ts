/**
 * Where a webhook may be delivered. A webhook URL is chosen by whoever holds an API key, and the server
 * POSTs to it from inside the operator's network, so without a check it is a server-side request forgery
 * tool: `http://169.254.169.254/` (cloud metadata), `http://127.0.0.1:5432`, `http://[::1]`. Every target
 * is resolved and refused when any address it resolves to is loopback, private, link-local, shared
 * (CGNAT), unique-local, unspecified, multicast or reserved, at registration and again at each delivery.
 * The delivery connects to the very address that was checked (`pinnedLookup`), so a DNS answer that
 * changes between check and connect (rebinding) cannot redirect it. `WEBHOOK_ALLOW_PRIVATE=true` lifts
 * the address check for local development.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";

/** A target that passed the check: the URL and the address a delivery must connect to. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type ResolveHost = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: ResolveHost = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Why a target was refused; `reason` is safe to show to the caller and to store in a dead letter. */
export class TargetRefused extends Error {
  constructor(readonly reason: string) {
    super(`target refused: ${reason}`);
    this.name = "TargetRefused";
  }
}

/** IPv4 ranges no webhook may reach (IANA special-purpose registry, RFC 6890). */
const V4_BLOCKED: [number, number, string][] = [
  [0x00000000, 8, "unspecified address (0.0.0.0/8)"],
  [0x0a000000, 8, "private address (10.0.0.0/8)"],
  [0x64400000, 10, "shared address (100.64.0.0/10, carrier-grade NAT)"],
  [0x7f000000, 8, "loopback address (127.0.0.0/8)"],
  [0xa9fe0000, 16, "link-local address (169.254.0.0/16, cloud metadata)"],
  [0xac100000, 12, "private address (172.16.0.0/12)"],
  [0xc0000000, 24, "reserved address (192.0.0.0/24)"],
  [0xc0a80000, 16, "private address (192.168.0.0/16)"],
  [0xc6120000, 15, "benchmarking address (198.18.0.0/15)"],
  [0xe0000000, 4, "multicast address (224.0.0.0/4)"],
  [0xf0000000, 4, "reserved address (240.0.0.0/4)"],
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function blockedV4(ip: string): string | null {
  const n = v4ToInt(ip);
  for (const [base, bits, reason] of V4_BLOCKED) {
    const size = 2 ** (32 - bits);
    if (n >= base && n < base + size) return reason;
  }
  return null;
}

/** The 8 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail expanded). */
function v6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const n = v4ToInt(v4Tail[1]!);
    text = `${text.slice(0, v4Tail.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
}

function blockedV6(ip: string): string | null {
  const g = v6Groups(ip);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return "unspecified address (::)";
  if (zeros(7) && g[7] === 1) return "loopback address (::1)";
  const embedded = `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4
  // address the stack may reach: judge that address.
  if (zeros(5) && (g[5] === 0xffff || g[5] === 0)) return blockedV4(embedded);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return blockedV4(embedded);
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique-local address (fc00::/7)";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local address (fe80::/10)";
  if ((g[0]! & 0xffc0) === 0xfec0) return "site-local address (fec0::/10)";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast address (ff00::/8)";
  return null;
}

/** Why an IP address may not be a webhook target, or null when it may. */
export function blockedAddressReason(ip: string): string | null {
  const v = isIP(ip);
  if (v === 4) return blockedV4(ip);
  if (v === 6) return blockedV6(ip);
  return "not an IP address";
}

/**
 * Checks a webhook URL: http or https only, no credentials, and (unless `allowPrivate`) every address
 * the host resolves to must be public. Returns the first address, which the delivery connects to.
 * The WHATWG URL parser already turns `0x7f000001`, `2130706433` and `0177.0.0.1` into `127.0.0.1`.
 */
export async function checkWebhookTarget(
  raw: string,
  o: { allowPrivate: boolean; resolve?: ResolveHost },
): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused("not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TargetRefused("only http and https URLs");
  if (url.username !== "" || url.password !== "") throw new TargetRefused("credentials in the URL");
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (o.resolve ?? systemResolve)(host);
    } catch {
      throw new TargetRefused("host does not resolve");
    }
  }
  if (addresses.length === 0) throw new TargetRefused("host does not resolve");
  if (!o.allowPrivate)
    for (const a of addresses) {
      const reason = blockedAddressReason(a.address);
      if (reason !== null) throw new TargetRefused(reason);
    }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for `http.request` that answers every query with the checked address (no second DNS query). */
export function pinnedLookup(target: CheckedTarget): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}
