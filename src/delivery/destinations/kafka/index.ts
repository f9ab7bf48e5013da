import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseDestinationConfig } from '../parse-config.ts';
import { kafkaConfigSchema, type KafkaDestinationConfig } from './kafka-config.ts';

export * from './kafka-config.ts';

/**
 * Apache Kafka (and Kafka-protocol brokers: Redpanda, MSK, Confluent Cloud, Event Hubs) through
 * kafkajs. One record per event, keyed by the user id (so one user's events stay in order on
 * one partition); the value is the event itself when it fits, else Terra's `s3_payload`
 * wrapper (see queue-message.ts). Needs Write (and Describe) on the topic, plus Create on the
 * cluster if the topic should be auto-created.
 */
const description: DestinationDescription<KafkaDestinationConfig> = {
  type: 'kafka',
  configSchema: kafkaConfigSchema,
  secretFields: ['sasl'],
  summary: 'one record per event, **key = user_id**, same body rule and headers as `sqs`',
  docs: {
    page: 'docs/destinations/kafka.md',
    permissions: '`WRITE`, `DESCRIBE` on the topic',
    testedAgainst: 'librdkafka mock cluster (no SASL/TLS)',
  },
  contractSuite: 'test/destinations/kafka.test.ts',
  parseConfig: (input) => parseDestinationConfig('kafka', kafkaConfigSchema, input),
};

/** The SDK (kafka.ts) is imported on first use, not with the registry. */
export const kafkaDestination: DestinationDefinition<KafkaDestinationConfig> = lazyDestination(description, () =>
  import('./kafka.ts').then((module) => module.implementation),
);
