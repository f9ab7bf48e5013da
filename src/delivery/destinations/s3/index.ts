import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseDestinationConfig } from '../parse-config.ts';
import { s3ConfigSchema, type S3DestinationConfig } from './s3-config.ts';

export * from './s3-config.ts';

/**
 * Amazon S3 and S3-compatible stores (MinIO, Cloudflare R2, Ceph, …) through the official
 * AWS SDK. Layout: Terra's (see object-key.ts). Needs `s3:PutObject` on `bucket/prefix*`.
 */
const description: DestinationDescription<S3DestinationConfig> = {
  type: 's3',
  configSchema: s3ConfigSchema,
  secretFields: ['secret_access_key'],
  summary:
    '`2022-03-16/{data_type}/{user_id}-{start_time}.json` per record, `.fit` beside it with `format: "fit"`; other events `2022-03-16/{event_type}/{user_id}-{timestamp}.json`; overwrite on redelivery (with `endpoint`: MinIO, R2, …)',
  docs: {
    page: 'docs/destinations/s3.md',
    permissions: '`s3:PutObject`',
    testedAgainst: 'fauxqs + a SigV4 check',
  },
  contractSuite: 'test/destinations/s3.test.ts',
  parseConfig: (input) => parseDestinationConfig('s3', s3ConfigSchema, input),
};

/** The SDK (s3.ts) is imported on first use, not with the registry. */
export const s3Destination: DestinationDefinition<S3DestinationConfig> = lazyDestination(description, () =>
  import('./s3.ts').then((module) => module.implementation),
);
