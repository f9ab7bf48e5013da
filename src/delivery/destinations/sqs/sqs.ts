import { createHash } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { awsFailure, awsReason } from '../aws-errors.ts';
import type { Destination, DestinationDefinition, DestinationEvent, DestinationServices } from '../destination.ts';
import { assertPublicTargets, guardedAgents, privateTargetsRefused } from '../network-guard.ts';
import { eventUserId } from '../object-key.ts';
import { parseDestinationConfig, verifyFailed } from '../parse-config.ts';
import { payloadModeSchema, payloadUrlTtlSchema, queueMessage } from '../queue-message.ts';

/**
 * Amazon SQS (and SQS-compatible queues) through the official AWS SDK. One message per
 * event: the event itself when it fits, else Terra's `s3_payload` wrapper (see
 * queue-message.ts). Needs `sqs:SendMessage` and `sqs:GetQueueUrl` on the queue.
 */

/** SQS's classic limit, accepted by every SQS-compatible server; AWS itself now takes up to 1 MiB. */
export const SQS_DEFAULT_MAX_MESSAGE_BYTES = 262_144;
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

export const sqsConfigSchema = z
  .object({
    queue_url: z
      .string()
      .url()
      .regex(
        /^https?:\/\/[^/]+\/[^/]+\/[A-Za-z0-9_-]{1,75}(\.fifo)?\/?$/,
        'must be a queue URL such as https://sqs.eu-west-2.amazonaws.com/123456789012/my-queue',
      )
      .describe('Queue URL (a `.fifo` queue gets message groups and deduplication)'),
    region: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9-]+$/, 'must be a region such as "eu-west-2"')
      .describe('Region of the queue'),
    access_key_id: z.string().min(1).describe('Access key id of an IAM user'),
    secret_access_key: z.string().min(1).describe('Its secret access key'),
    endpoint: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
      .optional()
      .describe('SQS-compatible server (ElasticMQ, LocalStack…); absent = AWS'),
    payload_mode: payloadModeSchema,
    max_message_bytes: z
      .number()
      .int()
      .min(1024)
      .max(SQS_MAX_MESSAGE_BYTES)
      .default(SQS_DEFAULT_MAX_MESSAGE_BYTES)
      .describe('Largest message sent inline, attributes included (AWS accepts up to 1048576)'),
    payload_url_ttl_seconds: payloadUrlTtlSchema,
  })
  .strict();

export type SqsDestinationConfig = z.output<typeof sqsConfigSchema>;

function sqsClient(config: SqsDestinationConfig, services: DestinationServices): SQSClient {
  return new SQSClient({
    region: config.region,
    credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // One attempt: the delivery machinery owns retries (and their schedule).
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: services.timeoutMs ?? 30_000,
      ...(privateTargetsRefused(services) ? guardedAgents() : {}),
    },
  });
}

function queueParts(queueUrl: string): { account: string; name: string; fifo: boolean } {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean);
  return { account, name, fifo: name.endsWith('.fifo') };
}

/** Attributes a consumer can route and deduplicate on without parsing the body. */
export function messageAttributes(event: DestinationEvent, inline: boolean): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    terra_event_type: { DataType: 'String', StringValue: event.type },
    terra_trace_id: { DataType: 'String', StringValue: event.traceId },
    terra_ordering_timestamp: { DataType: 'Number', StringValue: String(event.orderingTimestamp) },
    tributary_payload: { DataType: 'String', StringValue: inline ? 'inline' : 's3_payload' },
  };
  const user = eventUserId(event);
  if (user) attributes.terra_user_id = { DataType: 'String', StringValue: user };
  if (event.reference) attributes.terra_reference = { DataType: 'String', StringValue: event.reference };
  return attributes;
}

/** Bytes SQS counts for attributes: each name, type and value. */
function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes))
    size +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  return size;
}

export const sqsDestination: DestinationDefinition<SqsDestinationConfig> = {
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

  open(config: SqsDestinationConfig, services: DestinationServices): Destination {
    const client = sqsClient(config, services);
    const { fifo } = queueParts(config.queue_url);
    return {
      async deliver(event) {
        // The attributes' size counts towards SQS's limit; measure with the larger (inline) marker.
        const reserved = attributesSize(messageAttributes(event, false));
        const message = queueMessage(event, services, {
          mode: config.payload_mode,
          maxBytes: config.max_message_bytes - reserved,
          urlTtlSeconds: config.payload_url_ttl_seconds,
        });
        if (!message.ok) return { ok: false, error: message.error, retryable: false };
        try {
          await client.send(
            new SendMessageCommand({
              QueueUrl: config.queue_url,
              MessageBody: message.body,
              MessageAttributes: messageAttributes(event, message.inline),
              // FIFO queues drop a duplicate of the same trace id within their 5-minute window,
              // and keep each user's events in order.
              ...(fifo
                ? {
                    MessageGroupId: eventUserId(event) ?? 'tributary',
                    MessageDeduplicationId: createHash('sha256').update(event.traceId).digest('hex'),
                  }
                : {}),
            }),
          );
        } catch (error) {
          return awsFailure(`SendMessage ${config.queue_url}`, error);
        }
        return { ok: true };
      },
      async close() {
        client.destroy();
      },
    };
  },

  async verify(config: SqsDestinationConfig, services: DestinationServices): Promise<void> {
    await assertPublicTargets(
      'sqs',
      [config.endpoint ?? config.queue_url],
      services,
      config.endpoint ? 'config.endpoint' : 'config.queue_url',
    );
    const client = sqsClient(config, services);
    const { account, name } = queueParts(config.queue_url);
    try {
      // GetQueueUrl proves the credentials and that the queue exists, without sending a message.
      await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    } catch (error) {
      throw verifyFailed('sqs', `GetQueueUrl ${name}: ${awsReason(error)}`, error);
    } finally {
      client.destroy();
    }
  },
};
