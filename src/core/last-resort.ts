import type { Logger } from './logger.ts';

/**
 * Error codes of a socket or a name lookup: what a hostile or broken peer (a webhook
 * receiver, a tenant's database, a provider API) can make a client emit at any time.
 */
const NETWORK_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_SOCKET_CLOSED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
]);

/** True for an error a peer's socket caused (never a bug of ours). */
export function isSocketError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return typeof syscall === 'string' && ['read', 'write', 'connect', 'getaddrinfo', 'writev'].includes(syscall);
}

let installed = false;

/**
 * The process's last resort (installed once by the process owner: `tributary start`, the
 * demo). A socket error that reached no listener — from any destination SDK or provider
 * client — is logged and the process keeps serving: one tenant's receiver must not take
 * every tenant down. Anything else is a bug: logged, then the process exits as Node would.
 */
export function installLastResortHandler(logger: Logger, exit: (code: number) => void = process.exit): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (error, origin) => {
    if (isSocketError(error)) {
      logger.error('socket error with no listener; kept serving', { error, origin });
      return;
    }
    logger.error('uncaught exception; exiting', { error, origin });
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exit(1);
  });
}
