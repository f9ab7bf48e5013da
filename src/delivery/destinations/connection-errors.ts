/**
 * The reason for a failure to reach a database server, shared by every SQL dialect;
 * undefined when the error is the server's own (each dialect words those).
 */
export function describeConnectionError(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and reachable from Tributary?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'DEADLINE':
      return `${e.message} (the per-attempt budget, TRIBUTARY_WEBHOOK_TIMEOUT_MS)`;
    case 'EBLOCKED':
      return e.message ?? 'refused: a private, loopback or link-local target';
    default:
      return undefined;
  }
}

/**
 * A driver error without a code is the driver's reading of bytes the peer sent (a banner,
 * an HTTP answer to a database handshake): never echoed to the tenant, since the peer may be
 * an internal service. Errors with a code are the server's own (SQLSTATE, MySQL codes) or
 * Node's (ECONNRESET, certificate errors), whose text we or the real server wrote.
 */
export function describeUncodedError(error: unknown, protocol: string): string {
  const e = error as { code?: unknown; message?: string };
  if (typeof e?.code === 'string' && e.code !== '') return `${e.message ?? ''} (${e.code})`;
  if (/timeout|timed out/i.test(e?.message ?? '')) return 'connection timed out';
  if (/terminated|closed|ended/i.test(e?.message ?? '')) return 'the server closed the connection';
  return `the server did not answer as a ${protocol} server`;
}
