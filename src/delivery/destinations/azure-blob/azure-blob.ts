import {
  BlobServiceClient,
  ContainerClient,
  StorageRetryPolicyType,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { z } from 'zod';
import type { Destination, DestinationDefinition, DestinationServices } from '../destination.ts';
import { assertPublicTargets, refusedBeforeAttempt } from '../network-guard.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { errorReason, parseDestinationConfig, verifyFailed } from '../parse-config.ts';

/**
 * Azure Blob Storage (and Azurite) through the official SDK, authenticated by a connection
 * string or a SAS URL. Layout: Terra's (see object-key.ts). Blobs are block blobs written
 * in one Put Blob, which replaces an existing blob of the same name.
 */
export const azureBlobConfigSchema = z
  .object({
    container: z
      .string()
      .min(3)
      .max(63)
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/,
        'must be a container name: lower-case letters, digits and single hyphens',
      )
      .describe('Container the blobs are written to (it must exist)'),
    connection_string: z
      .string()
      .min(1)
      .regex(/AccountName=|BlobEndpoint=|SharedAccessSignature=/i, 'must be an Azure Storage connection string')
      .optional()
      .describe('Storage account connection string (account key or SAS); give this or `sas_url`'),
    sas_url: z
      .string()
      .url()
      .regex(/^https?:\/\/[^?]+\?.*\bsig=/, 'must be a SAS URL (…?sv=…&sig=…)')
      .optional()
      .describe(
        'SAS URL of the account or the container, with create+write permission; give this or `connection_string`',
      ),
    prefix: z.string().max(512).optional().describe('Folder the layout is written under'),
  })
  .strict()
  .superRefine((config, context) => {
    if (!config.connection_string === !config.sas_url) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['connection_string'],
        message: 'give exactly one of connection_string or sas_url',
      });
    }
  });

export type AzureBlobDestinationConfig = z.output<typeof azureBlobConfigSchema>;

const VERIFY_BLOB_NAME = 'tributary-connection-check.json';

/** The container client from either credential; a SAS URL may name the account or the container itself. */
export function containerClient(config: AzureBlobDestinationConfig, services: DestinationServices): ContainerClient {
  // The delivery machinery owns retries; one quick second try covers a pooled keep-alive
  // connection that the server closed meanwhile (ECONNRESET / socket hang up).
  const options: StoragePipelineOptions = {
    retryOptions: {
      maxTries: 2,
      retryPolicyType: StorageRetryPolicyType.FIXED,
      retryDelayInMs: 100,
      maxRetryDelayInMs: 100,
      tryTimeoutInMs: services.timeoutMs ?? 30_000,
    },
  };
  if (config.connection_string)
    return BlobServiceClient.fromConnectionString(config.connection_string, options).getContainerClient(
      config.container,
    );
  const url = new URL(config.sas_url!);
  const segments = url.pathname.split('/').filter(Boolean);
  // Path-style endpoints (Azurite, custom domains) carry the account name as the first segment.
  const last = segments.at(-1);
  if (last === config.container) return new ContainerClient(config.sas_url!, undefined, options);
  return new BlobServiceClient(config.sas_url!, undefined, options).getContainerClient(config.container);
}

/** "AuthenticationFailed (HTTP 403): Server failed to authenticate …", or the network error. */
function azureReason(error: unknown): { reason: string; status?: number } {
  const e = error as {
    statusCode?: number;
    code?: string;
    details?: { errorCode?: string; message?: string };
    message?: string;
  };
  if (typeof e?.statusCode === 'number') {
    const code = e.details?.errorCode ?? e.code ?? 'Error';
    const message = (e.details?.message ?? e.message ?? '').split('\n')[0];
    return {
      reason: `${code} (HTTP ${e.statusCode})${message ? `: ${message}` : ''}`.slice(0, 500),
      status: e.statusCode,
    };
  }
  return { reason: errorReason(error) };
}

export const azureBlobDestination: DestinationDefinition<AzureBlobDestinationConfig> = {
  type: 'azure_blob',
  configSchema: azureBlobConfigSchema,
  secretFields: ['connection_string', 'sas_url'],
  summary: 'same object layout as `s3` in a Blob container (`connection_string` or `sas_url`)',
  docs: {
    page: 'docs/destinations/azure-blob.md',
    permissions: 'SAS `c`+`w`, or Storage Blob Data Contributor',
    testedAgainst: 'Azurite',
  },
  contractSuite: 'test/destinations/azure-blob.test.ts',
  parseConfig: (input) => parseDestinationConfig('azure_blob', azureBlobConfigSchema, input),

  open(config: AzureBlobDestinationConfig, services: DestinationServices): Destination {
    const container = containerClient(config, services);
    return {
      deliver: async (event) =>
        (await refusedBeforeAttempt([container.url], services)) ??
        putEventObjects(event, services, config.prefix, {
          noun: 'blobs',
          reason: errorReason,
          put: async (object) => {
            const body = typeof object.body === 'string' ? Buffer.from(object.body) : object.body;
            await container
              .getBlockBlobClient(object.key)
              .upload(body, body.byteLength, { blobHTTPHeaders: { blobContentType: object.contentType } });
          },
          failed: (object, error) => {
            const { reason, status } = azureReason(error);
            return {
              ok: false,
              error: `Put Blob ${config.container}/${object.key} failed: ${reason}`,
              ...(status ? { statusCode: status } : {}),
              retryable: true,
            };
          },
        }),
      async close() {},
    };
  },

  async verify(config: AzureBlobDestinationConfig, services: DestinationServices): Promise<void> {
    const container = containerClient(config, services);
    await assertPublicTargets(
      'azure_blob',
      [container.url],
      services,
      config.sas_url ? 'config.sas_url' : 'config.connection_string',
    );
    const name = normalizePrefix(config.prefix) + VERIFY_BLOB_NAME;
    const blob = container.getBlockBlobClient(name);
    const body = Buffer.from(
      JSON.stringify({ type: 'tributary_connection_check', checked_at: new Date().toISOString() }),
    );
    try {
      // A write, the one permission deliveries need (a SAS needs only "c" and "w").
      await blob.upload(body, body.byteLength, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    } catch (error) {
      throw verifyFailed('azure_blob', `Put Blob ${config.container}/${name}: ${azureReason(error).reason}`, error);
    }
    // Best effort: the credentials need not be allowed to delete.
    await blob.delete().catch(() => undefined);
  },
};
