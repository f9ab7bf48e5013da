import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { Destination, DestinationServices } from '../destination.ts';
import { assertPublicTargets, refusedBeforeAttempt } from '../network-guard.ts';
import { ambientCredentialsAllowed, ambientRefusedOutcome, refuseAmbientAtCreation } from '../ambient-credentials.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { errorReason, verifyFailed } from '../parse-config.ts';
import type { DestinationImplementation } from '../lazy-destination.ts';
import type { GcsDestinationConfig } from './gcs-config.ts';

const VERIFY_OBJECT_NAME = 'tributary-connection-check.json';

/** Google's endpoint without a key = the machine's Application Default Credentials. (A custom `api_endpoint` without a key sends none.) */
function wouldUseAmbientCredentials(config: GcsDestinationConfig, services: DestinationServices): boolean {
  return !config.credentials_json && !config.api_endpoint && !ambientCredentialsAllowed(services);
}

export function gcsStorage(config: GcsDestinationConfig, services: DestinationServices): Storage {
  const credentials = config.credentials_json;
  const options: StorageOptions = {
    ...(config.api_endpoint ? { apiEndpoint: config.api_endpoint } : {}),
    ...(credentials
      ? {
          credentials: { client_email: credentials.client_email, private_key: credentials.private_key },
          ...(credentials.project_id ? { projectId: credentials.project_id } : {}),
          useAuthWithCustomEndpoint: true,
        }
      : {}),
    // The delivery machinery owns retries.
    retryOptions: { autoRetry: false, maxRetries: 0 },
    timeout: services.timeoutMs ?? 30_000,
  };
  return new Storage(options);
}

/** "403 Forbidden: x@y.iam.gserviceaccount.com does not have storage.objects.create access…", or the network error. */
function gcsReason(error: unknown): { reason: string; status?: number } {
  const e = error as { code?: unknown; message?: string; errors?: Array<{ reason?: string }> };
  if (typeof e?.code === 'number') {
    const reason = e.errors?.[0]?.reason;
    return {
      reason: `HTTP ${e.code}${reason ? ` ${reason}` : ''}: ${(e.message ?? '').split('\n')[0]}`.slice(0, 500),
      status: e.code,
    };
  }
  return { reason: errorReason(error) };
}

/** The SDK-bound half of `gcs`: index.ts holds the definition and imports this module on first use. */
export const implementation: DestinationImplementation<GcsDestinationConfig> = {
  open(config: GcsDestinationConfig, services: DestinationServices): Destination {
    if (wouldUseAmbientCredentials(config, services))
      return { deliver: async () => ambientRefusedOutcome('credentials_json'), close: async () => undefined };
    const bucket = gcsStorage(config, services).bucket(config.bucket);
    return {
      deliver: async (event) =>
        (await refusedBeforeAttempt([config.api_endpoint], services)) ??
        putEventObjects(event, services, config.prefix, {
          noun: 'objects',
          reason: errorReason,
          // One-request (multipart) upload: events are small, and a retry rewrites the whole object.
          put: (object) =>
            bucket.file(object.key).save(Buffer.from(object.body), {
              resumable: false,
              contentType: object.contentType,
              metadata: { contentType: object.contentType },
            }),
          failed: (object, error) => {
            const { reason, status } = gcsReason(error);
            return {
              ok: false,
              error: `upload gs://${config.bucket}/${object.key} failed: ${reason}`,
              ...(status ? { statusCode: status } : {}),
              retryable: true,
            };
          },
        }),
      async close() {},
    };
  },

  async verify(config: GcsDestinationConfig, services: DestinationServices): Promise<void> {
    if (wouldUseAmbientCredentials(config, services)) refuseAmbientAtCreation('gcs', 'credentials_json');
    await assertPublicTargets('gcs', [config.api_endpoint], services, 'config.api_endpoint');
    const file = gcsStorage(config, services)
      .bucket(config.bucket)
      .file(normalizePrefix(config.prefix) + VERIFY_OBJECT_NAME);
    try {
      // A write: storage.objects.create is what deliveries need.
      await file.save(JSON.stringify({ type: 'tributary_connection_check', checked_at: new Date().toISOString() }), {
        resumable: false,
        contentType: 'application/json',
      });
    } catch (error) {
      throw verifyFailed('gcs', `upload gs://${config.bucket}/${file.name}: ${gcsReason(error).reason}`, error);
    }
    // Best effort: overwriting needs storage.objects.delete too (Storage Object Admin), creating does not.
    await file.delete().catch(() => undefined);
  },
};
