import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';

/**
 * Issue 10 item 9: a delivery's lease can expire while a slow attempt is still running, and
 * another worker then takes the delivery over. The late result of the first worker must not
 * overwrite the newer one: the result write is fenced on the lease it holds, and the attempt
 * log and the status are written together or not at all.
 */
describe.each(ENGINES)('fenced delivery attempts (%s)', (engine) => {
  let t: TestStore;
  let devId: string;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    devId = (await t.store.developers.create({ name: 'fencing' })).developer.devId;
  });
  afterEach(async () => {
    await t.close();
  });

  async function pendingDelivery(): Promise<string> {
    const destination = await t.store.destinations.create(devId, {
      type: 'webhook',
      config: { url: 'https://example.test/hook' },
      secrets: { signing_secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') },
      deliveryMode: 'push',
      eventTypes: null,
      format: 'json',
    });
    const event = await t.store.events.insert(devId, { type: 'healthcheck', payload: {} });
    const [delivery] = await t.store.deliveries.create(
      devId,
      [{ destinationId: destination.destinationId, eventId: event.eventId, eventType: 'healthcheck', traceId: 't' }],
      1_000,
    );
    return delivery!.deliveryId;
  }

  it('a worker whose lease was taken over writes neither its attempt nor its status', async () => {
    const id = await pendingDelivery();
    const first = (await t.store.deliveries.claim(devId, id, 1_000, 10_000))!;
    // The first attempt outlives its lease; a second worker takes the delivery over.
    const second = (await t.store.deliveries.claim(devId, id, 12_000, 10_000))!;
    expect(second).toBeDefined();

    // The second worker finishes first and fails with a 503, to be retried.
    expect(
      await t.store.deliveries.recordAttempt(
        second,
        { startedAt: 12_000, durationMs: 5, statusCode: 503, error: 'HTTP 503' },
        { status: 'pending', nextAttemptAt: 40_000 },
      ),
    ).toBe(true);
    // The first worker's stale "delivered" arrives afterwards: refused, nothing written.
    expect(
      await t.store.deliveries.recordAttempt(
        first,
        { startedAt: 1_000, durationMs: 15_000, statusCode: 200, error: null },
        { status: 'delivered' },
      ),
    ).toBe(false);

    expect(await t.store.deliveries.get(devId, id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 503,
      nextAttemptAt: 40_000,
      deliveredAt: null,
    });
    expect(await t.store.deliveries.attempts(devId, id)).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 503, error: 'HTTP 503' }),
    ]);
  });

  it('the worker holding the lease records its attempt and status together', async () => {
    const id = await pendingDelivery();
    const claimed = (await t.store.deliveries.claim(devId, id, 1_000, 10_000))!;
    expect(
      await t.store.deliveries.recordAttempt(
        claimed,
        { startedAt: 1_000, durationMs: 7, statusCode: 200, error: null },
        { status: 'delivered' },
      ),
    ).toBe(true);
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await t.store.deliveries.attempts(devId, id)).toHaveLength(1);
    // Its lease is spent: the same claim cannot write a second time.
    expect(
      await t.store.deliveries.recordAttempt(
        claimed,
        { startedAt: 1_000, durationMs: 7, statusCode: 500, error: 'late' },
        { status: 'failed' },
      ),
    ).toBe(false);
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
