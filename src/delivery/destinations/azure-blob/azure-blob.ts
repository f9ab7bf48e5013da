import {
  AnonymousCredential,
  BlobServiceClient,
  ContainerClient,
  newPipeline,
  StorageRetryPolicyType,
  StorageSharedKeyCredential,
  type Pipeline,
  type RequestPolicyFactory,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { Destination, DestinationServices } from '../destination.ts';
import { assertPublicTargets, guardedAgents, privateTargetsRefused, refusedBeforeAttempt } from '../network-guard.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { errorReason, verifyFailed } from '../parse-config.ts';
import type { DestinationImplementation } from '../lazy-destination.ts';
import type { AzureBlobDestinationConfig } from './azure-blob-config.ts';

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
  if (config.connection_string) {
    const parsed = parseConnectionString(config.connection_string);
    // A form this parser does not know (UseDevelopmentStorage…) goes to the SDK's own parser,
    // still checked before each attempt (refusedBeforeAttempt).
    if (!parsed)
      return BlobServiceClient.fromConnectionString(config.connection_string, options).getContainerClient(
        config.container,
      );
    return new BlobServiceClient(parsed.url, pipelineFor(parsed.credential, options, services)).getContainerClient(
      config.container,
    );
  }
  const pipeline = pipelineFor(new AnonymousCredential(), options, services);
  const url = new URL(config.sas_url!);
  const segments = url.pathname.split('/').filter(Boolean);
  // Path-style endpoints (Azurite, custom domains) carry the account name as the first segment.
  const last = segments.at(-1);
  if (last === config.container) return new ContainerClient(config.sas_url!, pipeline);
  return new BlobServiceClient(config.sas_url!, pipeline).getContainerClient(config.container);
}

/**
 * The SDK's pipeline, plus (with private targets refused) a policy that sends every request
 * through the guarded agents: the address each socket actually connects to is checked, so a
 * name that resolves to a public address at the pre-check and to a private one at connect
 * time (DNS rebinding) is refused too.
 */
function pipelineFor(
  credential: StorageSharedKeyCredential | AnonymousCredential,
  options: StoragePipelineOptions,
  services: DestinationServices,
): Pipeline {
  const pipeline = newPipeline(credential, options);
  if (privateTargetsRefused(services)) pipeline.factories.push(guardedAgentPolicy());
  return pipeline;
}

function guardedAgentPolicy(): RequestPolicyFactory {
  const { httpAgent, httpsAgent } = guardedAgents();
  return {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent = request.url.startsWith('https:') ? httpsAgent : httpAgent;
        return next.sendRequest(request);
      },
    }),
  };
}

/** Account-key and SAS connection strings (Azure's documented forms); undefined for others. */
export function parseConnectionString(
  text: string,
): { url: string; credential: StorageSharedKeyCredential | AnonymousCredential } | undefined {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const account = fields.get('accountname');
  const endpoint =
    fields.get('blobendpoint') ??
    (account
      ? `${fields.get('defaultendpointsprotocol') ?? 'https'}://${account}.blob.${fields.get('endpointsuffix') ?? 'core.windows.net'}`
      : undefined);
  if (!endpoint) return undefined;
  const key = fields.get('accountkey');
  if (account && key) return { url: endpoint, credential: new StorageSharedKeyCredential(account, key) };
  const sas = fields.get('sharedaccesssignature');
  if (sas)
    return { url: `${endpoint.replace(/\/$/, '')}?${sas.replace(/^\?/, '')}`, credential: new AnonymousCredential() };
  return undefined;
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

/** The SDK-bound half of `azure-blob`: index.ts holds the definition and imports this module on first use. */
export const implementation: DestinationImplementation<AzureBlobDestinationConfig> = {
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
