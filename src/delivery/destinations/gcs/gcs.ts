import { createPrivateKey } from 'node:crypto';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { z } from 'zod';
import type { Destination, DestinationDefinition, DestinationServices } from '../destination.ts';
import { assertPublicTargets, refusedBeforeAttempt } from '../network-guard.ts';
import { ambientCredentialsAllowed, ambientRefusedOutcome, refuseAmbientAtCreation } from '../ambient-credentials.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { errorReason, parseDestinationConfig, verifyFailed } from '../parse-config.ts';

/**
 * Google Cloud Storage through the official SDK. Credentials: a service-account key
 * (`credentials_json`), else Application Default Credentials of the machine (workload
 * identity, GOOGLE_APPLICATION_CREDENTIALS). `api_endpoint` points at another JSON-API
 * server (an emulator: no credentials are sent unless `credentials_json` is given).
 * Layout: Terra's (see object-key.ts); an upload replaces an object of the same name.
 */
const serviceAccountSchema = z
  .object({
    type: z.literal('service_account', {
      errorMap: () => ({ message: 'must be a service-account key ("type": "service_account")' }),
    }),
    client_email: z.string().email(),
    private_key: z.string().refine(isPrivateKey, 'is not a readable PEM private key'),
    project_id: z.string().min(1).optional(),
    private_key_id: z.string().optional(),
  })
  .passthrough();

/** The key file as JSON text (what Google's console downloads) or as an object. */
const credentialsJson = z
  .union([z.string(), z.record(z.unknown())])
  .transform((value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'is not valid JSON (paste the service-account key file)',
      });
      return z.NEVER;
    }
  })
  .pipe(serviceAccountSchema);

export const gcsConfigSchema = z
  .object({
    bucket: z
      .string()
      .min(3)
      .max(222)
      .regex(/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/, 'must be a bucket name: lower-case letters, digits, "-", "_" and "."')
      .describe('Bucket the objects are written to (it must exist)'),
    credentials_json: credentialsJson
      .optional()
      .describe(
        "Service-account key file (JSON text or object); required for Google's endpoint unless the operator sets TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS=true (then absent = the machine's Application Default Credentials)",
      ),
    api_endpoint: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
      .optional()
      .describe('Another GCS JSON API server (emulator, private endpoint); absent = Google'),
    prefix: z.string().max(512).optional().describe('Folder the layout is written under'),
  })
  .strict();

export type GcsDestinationConfig = z.output<typeof gcsConfigSchema>;

const VERIFY_OBJECT_NAME = 'tributary-connection-check.json';

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

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

export const gcsDestination: DestinationDefinition<GcsDestinationConfig> = {
  type: 'gcs',
  configSchema: gcsConfigSchema,
  secretFields: ['credentials_json'],
  summary: 'same object layout as `s3` in a Cloud Storage bucket',
  docs: {
    page: 'docs/destinations/gcs.md',
    permissions: '`storage.objects.create` + `.delete` (Storage Object User)',
    testedAgainst: 'firebase-tools Storage emulator (no auth checks)',
  },
  contractSuite: 'test/destinations/gcs.test.ts',
  parseConfig: (input) => parseDestinationConfig('gcs', gcsConfigSchema, input),

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
