import { createHash } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { awsFailure, awsReason } from '../aws-errors.ts';
import type { Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import { assertPublicTargets, guardedAgents, privateTargetsRefused } from '../network-guard.ts';
import { eventUserId } from '../object-key.ts';
import { verifyFailed } from '../parse-config.ts';
import { queueMessage } from '../queue-message.ts';
import type { DestinationImplementation } from '../lazy-destination.ts';
import type { SqsDestinationConfig } from './sqs-config.ts';

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

/** The SDK-bound half of `sqs`: index.ts holds the definition and imports this module on first use. */
export const implementation: DestinationImplementation<SqsDestinationConfig> = {
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
