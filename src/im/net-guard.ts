/**
 * Platform-neutral checks for outbound requests to URLs a chat platform handed us (SECURITY.md,
 * "A hostile platform response"): which addresses are internal (loopback, private, link-local …)
 * and which ones are this daemon's own API. Pure except for the listener registry below.
 */
import { isIP } from "node:net";

/** IPv4 ranges no platform URL may point at (RFC 6890 special-purpose blocks that matter here). */
const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata at 169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function inV4Range(ip: string, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (v4ToInt(ip) & mask) === (v4ToInt(base) & mask);
}

/** True for loopback, private, link-local, CGNAT, multicast, unspecified and other internal IPs. */
export function isInternalAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return V4_BLOCKED.some(([base, bits]) => inV4Range(bare, base, bits));
  if (family !== 6) return true; // not an IP at all: refuse rather than guess
  const lower = bare.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (mapped) return isInternalAddress(mapped);
  const hex = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (Number.parseInt(hex[1] ?? "0", 16) << 16) | Number.parseInt(hex[2] ?? "0", 16);
    return isInternalAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."));
  }
  if (lower === "::" || lower === "::1") return true;
  const first = Number.parseInt(lower.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  return false;
}

const LOOPBACK_NAMES = new Set(["localhost", "localhost.", "ip6-localhost"]);

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return inV4Range(h, "127.0.0.0", 8) || h === "0.0.0.0";
  if (h === "::1" || h === "::") return true;
  return isIP(h) === 6 && /ffff:/.test(h) && isInternalAddress(h) && /:(?:127\.|7f[0-9a-f]{2}:)/.test(h);
}

/** host:port pairs this process serves its own API on (the daemon registers after listen). */
const ownListeners = new Map<number, Set<string>>();

/** Remember that this process listens on `host:port`; returns the function that forgets it. */
export function registerOwnListener(host: string, port: number): () => void {
  const hosts = ownListeners.get(port) ?? new Set<string>();
  const key = host.replace(/^\[|\]$/g, "").toLowerCase();
  hosts.add(key);
  ownListeners.set(port, hosts);
  return () => {
    hosts.delete(key);
    if (hosts.size === 0) ownListeners.delete(port);
  };
}

/**
 * Whether `url` reaches this process's own API: same port and a host that is the listening host, a
 * loopback name or address, or anything when the daemon listens on every interface.
 */
export function isOwnListener(url: URL): boolean {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const hosts = ownListeners.get(port);
  if (!hosts) return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (hosts.has(host) || hosts.has("0.0.0.0") || hosts.has("::")) return true;
  return isLoopbackHost(host);
}
