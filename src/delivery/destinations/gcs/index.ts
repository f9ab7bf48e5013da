import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseDestinationConfig } from '../parse-config.ts';
import { gcsConfigSchema, type GcsDestinationConfig } from './gcs-config.ts';

export * from './gcs-config.ts';

/**
 * Google Cloud Storage through the official SDK. Credentials: a service-account key
 * (`credentials_json`), else Application Default Credentials of the machine (workload
 * identity, GOOGLE_APPLICATION_CREDENTIALS). `api_endpoint` points at another JSON-API
 * server (an emulator: no credentials are sent unless `credentials_json` is given).
 * Layout: Terra's (see object-key.ts); an upload replaces an object of the same name.
 */
const description: DestinationDescription<GcsDestinationConfig> = {
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
};

/** The SDK (gcs.ts) is imported on first use, not with the registry. */
export const gcsDestination: DestinationDefinition<GcsDestinationConfig> = lazyDestination(description, () =>
  import('./gcs.ts').then((module) => module.implementation),
);
