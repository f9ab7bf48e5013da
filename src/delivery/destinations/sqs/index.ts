import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseDestinationConfig } from '../parse-config.ts';
import { sqsConfigSchema, type SqsDestinationConfig } from './sqs-config.ts';

export * from './sqs-config.ts';

/**
 * Amazon SQS (and SQS-compatible queues) through the official AWS SDK. One message per
 * event: the event itself when it fits, else Terra's `s3_payload` wrapper (see
 * queue-message.ts). Needs `sqs:SendMessage` and `sqs:GetQueueUrl` on the queue.
 */
const description: DestinationDescription<SqsDestinationConfig> = {
  type: 'sqs',
  configSchema: sqsConfigSchema,
  secretFields: ['secret_access_key'],
  summary:
    "one message per event: inline when it fits, else Terra's `s3_payload` wrapper with a signed URL served by Tributary; attributes `terra_trace_id`, `terra_event_type`, …; FIFO queues deduplicate",
  docs: {
    page: 'docs/destinations/sqs.md',
    permissions: '`sqs:SendMessage`, `sqs:GetQueueUrl`',
    testedAgainst: 'fauxqs + a SigV4 check',
  },
  contractSuite: 'test/destinations/sqs.test.ts',
  parseConfig: (input) => parseDestinationConfig('sqs', sqsConfigSchema, input),
};

/** The SDK (sqs.ts) is imported on first use, not with the registry. */
export const sqsDestination: DestinationDefinition<SqsDestinationConfig> = lazyDestination(description, () =>
  import('./sqs.ts').then((module) => module.implementation),
);
