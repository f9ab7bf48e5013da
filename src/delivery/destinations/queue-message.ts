import { z } from 'zod';
import type { DestinationEvent, DestinationServices } from './destination.ts';

/**
 * What SQS and Kafka messages carry. Terra always sends an `s3_payload` wrapper whose `url`
 * serves the event; Tributary can also put the event itself in the message:
 *
 *   auto        the event inline when it fits the broker's limit, else the s3_payload wrapper (default)
 *   inline      always the event inline; an event over the limit fails (never retried)
 *   s3_payload  always the wrapper, as Terra does
 *
 * The wrapper's `url` is a signed, expiring URL served by Tributary (`GET` returns the event).
 */
export const PAYLOAD_MODES = ['auto', 'inline', 's3_payload'] as const;
export type PayloadMode = (typeof PAYLOAD_MODES)[number];

export const payloadModeSchema = z
  .enum(PAYLOAD_MODES)
  .default('auto')
  .describe(
    '`auto`: the event inline when it fits, else s3_payload; `inline`: always inline; `s3_payload`: always the wrapper (as Terra)',
  );
/** Seconds the wrapper's URL stays valid: Terra's example is 600 s; queues may sit longer, so up to 7 days. */
export const payloadUrlTtlSchema = z
  .number()
  .int()
  .min(60)
  .max(7 * 24 * 3600)
  .default(600)
  .describe('Seconds the s3_payload URL stays valid (`expires_in`)');

export type QueueMessage = { ok: true; body: string; inline: boolean } | { ok: false; error: string };

export function queueMessage(
  event: DestinationEvent,
  services: DestinationServices,
  options: { mode: PayloadMode; maxBytes: number; urlTtlSeconds: number },
): QueueMessage {
  const size = Buffer.byteLength(event.body);
  const fits = size <= options.maxBytes;
  if (options.mode === 'inline' || (options.mode === 'auto' && fits)) {
    if (!fits)
      return {
        ok: false,
        error: `the event is ${size} bytes, over the ${options.maxBytes}-byte message limit (payload_mode "inline"; use "auto" to send larger events as s3_payload)`,
      };
    return { ok: true, body: event.body, inline: true };
  }
  const wrapper = {
    type: 's3_payload',
    status: 'success',
    url: services.payloadUrl(event.eventId, options.urlTtlSeconds),
    expires_in: options.urlTtlSeconds,
  };
  return { ok: true, body: JSON.stringify(wrapper), inline: false };
}
