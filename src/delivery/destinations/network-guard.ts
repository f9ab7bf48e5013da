import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { connect as netConnect, isIP, Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { DeliveryOutcome, DestinationServices } from './destination.ts';
import { verifyFailed } from './parse-config.ts';
import { assertPublicUrl, BlockedAddressError, guardedLookup, isPublicAddress } from './ssrf.ts';

/**
 * The SSRF guard (TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS=false) for every destination that
 * connects to a developer-given host. The check that counts is at connect time, on the
 * address the socket actually uses: names resolve through `guardedLookup`, and address
 * literals (which sockets never look up: seed lists, hosts a server advertises) are checked
 * before connecting. Creation also checks, for a clear 400 naming the field.
 */
export function privateTargetsRefused(services: DestinationServices): boolean {
  return services.allowPrivateNetworks === false;
}

export { BlockedAddressError, guardedLookup, isPublicAddress };

/** True when `error` (or its cause) is the guard's refusal: never retried, the target will not move. */
export function isBlockedAddress(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause)
    if (e instanceof BlockedAddressError || (e as { code?: unknown }).code === 'EBLOCKED') return true;
  return false;
}

/** Throws `bad_request` naming the target when one resolves to a loopback/private/link-local address. */
export async function assertPublicTargets(
  type: string,
  targets: Array<string | undefined>,
  services: DestinationServices,
  parameter = 'config',
): Promise<void> {
  if (!privateTargetsRefused(services)) return;
  for (const target of targets) {
    if (!target) continue;
    try {
      await assertPublicUrl(new URL(target));
    } catch (error) {
      throw verifyFailed(type, error instanceof Error ? error.message : String(error), error, parameter);
    }
  }
}

/** A socket that fails (asynchronously, as a refused connection would) without touching the network. */
function refusedSocket(host: string): Socket {
  const socket = new Socket();
  process.nextTick(() => socket.destroy(new BlockedAddressError(host, host)));
  return socket;
}

function refusedLiteral(host: string | undefined | null): boolean {
  const bare = (host ?? '').replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 && !isPublicAddress(bare);
}

/** `net.connect` with the guard: names through the guarded lookup, literals checked first. */
export function guardedNetConnect(options: { host: string; port: number }, onConnect?: () => void): Socket {
  if (refusedLiteral(options.host)) return refusedSocket(options.host);
  return netConnect({ ...options, lookup: guardedLookup } as TcpNetConnectOpts, onConnect);
}

/** `tls.connect` with the guard. */
export function guardedTlsConnect(
  options: ConnectionOptions & { host: string; port: number },
  onConnect?: () => void,
): Socket {
  if (refusedLiteral(options.host)) return refusedSocket(options.host);
  return tlsConnect(
    { servername: isIP(options.host) ? undefined : options.host, ...options, lookup: guardedLookup },
    onConnect,
  );
}

/**
 * A socket for node-postgres (`stream` option): pg calls `stream.connect(port, host)` itself,
 * so the guard goes into that call. TLS is layered on this socket by pg afterwards.
 */
export function guardedPgStream(): Duplex {
  const socket = new Socket();
  const connect = socket.connect.bind(socket) as (options: TcpNetConnectOpts) => Socket;
  (socket as unknown as { connect: (port: number, host: string) => Socket }).connect = (port, host) => {
    if (refusedLiteral(host)) {
      process.nextTick(() => socket.destroy(new BlockedAddressError(host, host)));
      return socket;
    }
    return connect({ port, host, lookup: guardedLookup });
  };
  return socket;
}

/** A connection factory for mysql2 (`stream` option). */
export function guardedMysqlStream(opts: { config: { host?: string; port?: number } }): Socket {
  return guardedNetConnect({ host: opts.config.host ?? 'localhost', port: opts.config.port ?? 3306 });
}

type CreateConnection = (options: { host?: string | null }, callback: unknown) => unknown;

/** Node agents whose sockets refuse private addresses, literals included (for SDKs that take agents). */
export function guardedAgents(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  const options: AgentOptions = { keepAlive: true };
  const httpAgent = new HttpAgent({ ...options, lookup: guardedLookup });
  const httpsAgent = new HttpsAgent({ ...options, lookup: guardedLookup });
  for (const agent of [httpAgent, httpsAgent]) {
    const holder = agent as unknown as { createConnection: CreateConnection };
    const create = holder.createConnection.bind(agent);
    holder.createConnection = (connectOptions, callback) =>
      refusedLiteral(connectOptions.host)
        ? refusedSocket(String(connectOptions.host))
        : create(connectOptions, callback);
  }
  return { httpAgent, httpsAgent };
}

/**
 * For SDKs that take no socket hook (Azure Blob's and GCS's HTTP pipelines): the target is
 * resolved and checked again before every attempt, not only at creation. A permanent failure.
 */
export async function refusedBeforeAttempt(
  targets: Array<string | undefined>,
  services: DestinationServices,
): Promise<DeliveryOutcome | null> {
  if (!privateTargetsRefused(services)) return null;
  for (const target of targets) {
    if (!target) continue;
    try {
      await assertPublicUrl(new URL(target));
    } catch (error) {
      if (!isBlockedAddress(error)) continue; // a name that does not resolve: the SDK reports it
      return { ok: false, error: (error as Error).message, retryable: false };
    }
  }
  return null;
}
