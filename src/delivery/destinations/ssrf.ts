import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard: with private targets disallowed, a webhook may not reach loopback,
 * private, link-local, unique-local, CGNAT or otherwise reserved addresses. Checked on the
 * addresses DNS returns, inside the socket's own lookup, so the address connected to is
 * the address checked (no DNS-rebinding window).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (CLOUD_INTERNAL.includes(parsed.toNormalizedString())) return false;
  return parsed.range() === 'unicast';
}

/**
 * Publicly routable addresses that are a cloud host's own services: Azure's WireServer and
 * DNS (168.63.129.16, which also answers the VM agent) — reachable from every Azure VM.
 * (AWS/GCP metadata 169.254.169.254 and fd00:ec2::254 are link-local/unique-local already.)
 */
const CLOUD_INTERNAL = ['168.63.129.16'];

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKED';
  constructor(host: string, address: string) {
    super(
      `refusing to send to ${host} (${address}): private, loopback, link-local and cloud-internal targets are disabled (TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS=false)`,
    );
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that fails the connection when any resolved address is not public. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const list = addresses;
    const blocked = list.find((entry) => !isPublicAddress(entry.address));
    if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), '');
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}

/** Resolves `url`'s host and throws when it is not public (creation-time check). */
export async function assertPublicUrl(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await new Promise<LookupAddress[]>((resolve, reject) => {
        dnsLookup(host, { all: true }, (error, list) => (error ? reject(error) : resolve(list)));
      });
  const blocked = addresses.find((entry) => !isPublicAddress(entry.address));
  if (blocked) throw new BlockedAddressError(host, blocked.address);
}

/**
 * A response body reaches the tenant's error text only when it came from a public address:
 * with private destinations allowed, the peer may be an internal service, whose answer a
 * tenant must not be able to read through Tributary (issue 10 item 4).
 */
export function shownBody(text: string, peer: string | undefined): string {
  return peer !== undefined && isPublicAddress(peer)
    ? text
    : '(body not shown: the answer came from a private address)';
}
