import { DATA_TYPES } from '../../src/model/data-types.ts';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';

/**
 * How the shared contract suite (test/destinations/contract.ts) reads back what an object
 * store or a queue holds, "in Terra's terms" (the records of a data event, else the event).
 */

const isData = (type: string) => (DATA_TYPES as readonly string[]).includes(type);

/** Terra's keys for one event, spelled out from the documented layout (not from the code under test). */
export function terraKeys(event: DestinationEvent, prefix = ''): string[] {
  const user = event.userId ?? '';
  const base = `${prefix}2022-03-16/${event.type}/`;
  if (event.type === 'athlete') return [`${base}${user}.json`];
  if (isData(event.type)) {
    return (event.payload.data as Array<{ metadata: { start_time: string } }>).map(
      (record) => `${base}${user}-${record.metadata.start_time}.json`,
    );
  }
  const stamp = new Date(event.orderingTimestamp).toISOString();
  return [`${base}${user ? `${user}-` : ''}${stamp}.json`];
}

/** The Terra items one stored JSON object or message stands for. */
export function itemsOf(type: string, stored: Record<string, unknown>): unknown[] {
  if (type === 'athlete') return [stored.athlete];
  if (isData(type) && Array.isArray(stored.data)) return stored.data;
  return [stored];
}

/** Object stores: read the event's keys back. */
export async function storedObjects(
  event: DestinationEvent,
  read: (key: string) => Promise<Buffer | undefined>,
  prefix = '',
): Promise<unknown[]> {
  const items: unknown[] = [];
  for (const key of terraKeys(event, prefix)) {
    const body = await read(key);
    if (body) items.push(...itemsOf(event.type, JSON.parse(body.toString('utf8')) as Record<string, unknown>));
  }
  return items;
}

/**
 * Queues (SQS, Kafka) keep every message: a redelivery is a second message with the same
 * trace id. Their documented consumer rule is "deduplicate on terra_trace_id, the latest
 * message wins", and this view applies exactly that rule to what the queue really holds.
 */
export class QueueView {
  private readonly latest = new Map<string, { type: string; body: string }>();
  /** Every message as received, duplicates included. */
  readonly raw: Array<{ traceId: string; type: string; body: string }> = [];

  add(message: { traceId: string; type: string; body: string }): void {
    this.raw.push(message);
    this.latest.set(message.traceId, message);
  }

  stored(event: DestinationEvent): unknown[] {
    const message = this.latest.get(event.traceId);
    return message ? itemsOf(message.type, JSON.parse(message.body) as Record<string, unknown>) : [];
  }

  count(): number {
    let total = 0;
    for (const message of this.latest.values())
      total += itemsOf(message.type, JSON.parse(message.body) as Record<string, unknown>).length;
    return total;
  }
}
