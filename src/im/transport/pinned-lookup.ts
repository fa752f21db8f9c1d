/**
 * Connect to the addresses a URL check approved, not to whatever DNS answers a moment later (DNS
 * rebinding; SECURITY.md, "Platform URLs"). A `lookup` for `net.connect` that answers only those
 * addresses: the socket's host stays the name, so TLS still sends it as SNI and checks the
 * certificate against it, and the `Host` header is unchanged.
 */
import type { LookupAddress, LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";

/** A lookup that never asks DNS: it answers `addresses` (in their order) for any name. */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const all: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) || 4 }));
  return (hostname: string, options: LookupOptions, callback) => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
    const fit = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
    const first = fit[0];
    // Asynchronous like dns.lookup: net.connect expects the callback after it returns.
    process.nextTick(() => {
      if (!first) {
        const err = Object.assign(new Error(`no approved address for ${hostname}`), {
          code: "ENOTFOUND",
          hostname,
        });
        callback(err, "", undefined);
      } else if (options.all) callback(null, fit);
      else callback(null, first.address, first.family);
    });
  };
}

/** The same set of addresses, whatever the order DNS gave them in: a key for kept-alive sockets. */
export function pinKey(addresses: readonly string[]): string {
  return [...new Set(addresses)].sort().join(",");
}
