import type { DeliveryOutcome, DestinationServices } from './destination.ts';
import { verifyFailed } from './parse-config.ts';

/**
 * Destinations never lend the operator's cloud identity to a tenant. A Google SDK without a
 * key falls back on Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the GKE
 * workload identity, the GCE metadata server): the tenant would write into wherever the
 * operator's service account may. That fallback is allowed only when the operator turns
 * TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS on (a single-tenant deployment that wants it).
 * (S3 and SQS require an access key in their config, so the AWS default chain is never
 * consulted; Azure takes a connection string or SAS URL only; Kafka SASL takes a password.)
 */
export function ambientCredentialsAllowed(services: DestinationServices): boolean {
  return services.allowAmbientCredentials === true;
}

function message(field: string): string {
  return `${field} is required: this server does not lend its own cloud credentials to destinations (TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS=false)`;
}

/** At creation: a 400 naming the missing field. */
export function refuseAmbientAtCreation(type: string, field: string): never {
  throw verifyFailed(type, message(field), undefined, `config.${field}`);
}

/** At delivery (a destination stored before the setting, or the setting turned off since): permanent. */
export function ambientRefusedOutcome(field: string): DeliveryOutcome {
  return { ok: false, error: message(field), retryable: false };
}
