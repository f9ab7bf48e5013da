import { z } from 'zod';
import { payloadModeSchema, payloadUrlTtlSchema } from '../queue-message.ts';

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
