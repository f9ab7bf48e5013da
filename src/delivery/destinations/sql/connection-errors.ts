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
    default:
      return undefined;
  }
}
