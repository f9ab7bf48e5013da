import type { DeliveryOutcome } from './destination.ts';
import { errorReason } from './parse-config.ts';

/** What the AWS SDK (v3) attaches to a failed call. */
interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  $response?: { headers?: Record<string, string> };
}

/** HTTP status of an AWS SDK error, when the service answered at all. */
export function awsStatus(error: unknown): number | undefined {
  return (error as AwsError | undefined)?.$metadata?.httpStatusCode;
}

/** "AccessDenied (HTTP 403): Access Denied", or the network error ("ECONNREFUSED ..."). */
export function awsReason(error: unknown): string {
  const e = error as AwsError;
  const status = awsStatus(error);
  if (status !== undefined) {
    const message = e.message && e.message !== 'UnknownError' && e.message !== e.name ? `: ${e.message}` : '';
    return `${e.name ?? 'Error'} (HTTP ${status})${message}`.replace(/\s+/g, ' ').slice(0, 500);
  }
  return errorReason(error);
}

/**
 * A failed AWS call as a delivery outcome. Everything is retried (as Terra does for any
 * failure): a wrong credential or a missing bucket may be fixed by the developer while the
 * schedule runs. Throttling answers carry Retry-After when the service sends one.
 */
export function awsFailure(action: string, error: unknown): DeliveryOutcome {
  const status = awsStatus(error);
  const retryAfter = Number((error as AwsError).$response?.headers?.['retry-after']);
  return {
    ok: false,
    error: `${action} failed: ${awsReason(error)}`,
    ...(status !== undefined ? { statusCode: status } : {}),
    retryable: true,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
  };
}
