import { z } from 'zod';
import { payloadModeSchema, payloadUrlTtlSchema } from '../queue-message.ts';

/** Below Kafka's default `message.max.bytes` (1,048,588), leaving room for the record's own framing. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

export const kafkaConfigSchema = z
  .object({
    brokers: z.array(hostPort).min(1, 'needs at least one host:port').describe('Bootstrap brokers, `host:port`'),
    topic: z
      .string()
      .min(1)
      .max(249)
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a topic name: letters, digits, ".", "_" and "-"')
      .describe('Topic the records are produced to (auto-created if the cluster allows)'),
    client_id: z.string().min(1).max(255).default('tributary').describe('Client id shown in broker logs and quotas'),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .strict()
      .optional()
      .describe('`{mechanism: plain|scram-sha-256|scram-sha-512, username, password}`'),
    ssl: z
      .union([
        z.boolean(),
        z
          .object({
            /** PEM of the CA that signed the brokers' certificates (private CAs). */
            ca: z.string().min(1).optional(),
            servername: z.string().min(1).optional(),
            reject_unauthorized: z.boolean().default(true),
          })
          .strict(),
      ])
      .optional()
      .describe('`true` for TLS with the system CAs, or `{ca?, servername?, reject_unauthorized?}`'),
    payload_mode: payloadModeSchema,
    max_message_bytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)
      .describe("Largest record sent inline (match the topic's `max.message.bytes`)"),
    payload_url_ttl_seconds: payloadUrlTtlSchema,
  })
  .strict();

export type KafkaDestinationConfig = z.output<typeof kafkaConfigSchema>;
