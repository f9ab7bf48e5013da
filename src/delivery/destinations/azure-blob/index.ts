import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseDestinationConfig } from '../parse-config.ts';
import { azureBlobConfigSchema, type AzureBlobDestinationConfig } from './azure-blob-config.ts';

export * from './azure-blob-config.ts';

/**
 * Azure Blob Storage (and Azurite) through the official SDK, authenticated by a connection
 * string or a SAS URL. Layout: Terra's (see object-key.ts). Blobs are block blobs written
 * in one Put Blob, which replaces an existing blob of the same name.
 */
const description: DestinationDescription<AzureBlobDestinationConfig> = {
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
};

/** The SDK (azure-blob.ts) is imported on first use, not with the registry. */
export const azureBlobDestination: DestinationDefinition<AzureBlobDestinationConfig> = lazyDestination(
  description,
  () => import('./azure-blob.ts').then((module) => module.implementation),
);
