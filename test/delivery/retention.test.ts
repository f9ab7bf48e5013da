import { afterEach, describe, expect, it } from 'vitest';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { ENGINES, openTestStore, TEST_KEY, tempDir, type TestStore } from '../helpers/engines.ts';
import { eventually } from './eventually.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const DAY = 86_400_000;

/**
 * Issue 10 item 6, end to end: the worker's retention-purge job (started with the server, as
 * in production) deletes events with their deliveries and attempts, `to_webhook` read copies
 * and data requests past retention, and never work that is still pending.
 */
describe.each(ENGINES)('retention purge job (%s)', (engine) => {
  let t: TestStore | undefined;
  let app: Tributary | undefined;
  let receiver: Receiver | undefined;

  afterEach(async () => {
    await app?.close();
    await receiver?.close();
    app = undefined;
  });

  it('purges what is past retention when the worker runs, keeps pending work and recent data', async () => {
    t = await openTestStore(engine, 'retention-e2e');
    const store = t.store;
    // The receiver refuses everything: a pending delivery stays pending (its retry is an hour away).
    receiver = await startReceiver(() => ({ status: 500 }));
    const devId = (await store.developers.create({ name: 'retention' })).developer.devId;
    const user = await store.users.create(devId, { provider: 'UPLOAD' });
    const destination = await store.destinations.create(devId, {
      type: 'webhook',
      config: { url: receiver.url },
      secrets: { signing_secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` },
      deliveryMode: 'push',
      eventTypes: null,
      format: 'json',
    });
    const now = Date.now();
    const event = async (ageMs: number, reference?: string) => {
      const e = await store.events.insert(devId, {
        type: 'activity',
        userId: user.userId,
        payload: { data: [] },
        ...(reference ? { reference } : {}),
      });
      await store.events.markDispatched([e.eventId]);
      const [delivery] = await store.deliveries.create(
        devId,
        [{ destinationId: destination.destinationId, eventId: e.eventId, eventType: 'activity', traceId: e.eventId }],
        now - ageMs,
      );
      const sql = await t!.sql();
      await sql.run('UPDATE events SET created_ms = ?, created_at = ? WHERE event_id = ?', [
        now - ageMs,
        new Date(now - ageMs).toISOString(),
        e.eventId,
      ]);
      return { eventId: e.eventId, deliveryId: delivery!.deliveryId };
    };
    const deliver = async (deliveryId: string) => {
      await store.deliveries.markEnqueued(devId, [deliveryId], now);
      const claimed = await store.deliveries.claim(devId, deliveryId, now, 60_000);
      await store.deliveries.recordAttempt(
        claimed!,
        { startedAt: now, durationMs: 3, statusCode: 200, error: null },
        { status: 'delivered' },
      );
    };
    const old = await event(40 * DAY);
    await deliver(old.deliveryId);
    const oldPending = await event(40 * DAY); // its delivery is still pending: kept
    const readCopy = await event(2 * DAY, 'ref-old-read');
    await deliver(readCopy.deliveryId);
    const recent = await event(DAY);
    await deliver(recent.deliveryId);
    const request = (reference: string, ageMs: number) =>
      store.dataRequests
        .create(devId, {
          reference,
          userId: user.userId,
          dataType: 'activity',
          startMs: null,
          endMs: null,
          withSamples: false,
        })
        .then(async () =>
          (await t!.sql()).run('UPDATE data_requests SET created_at = ? WHERE reference = ?', [
            new Date(now - ageMs).toISOString(),
            reference,
          ]),
        );
    await request('ref-old-request', 40 * DAY);
    await request('ref-new-request', DAY);

    // The server starts with its worker role: the purge job runs at start, then hourly.
    const config = loadConfig({
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: tempDir(),
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_LOG_LEVEL: 'silent',
      TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '3600',
      TRIBUTARY_RETENTION_DAYS: '30',
      TRIBUTARY_READ_COPY_RETENTION_HOURS: '24',
    });
    app = await createTributary(config, { store, logger: createLogger('silent') });
    await app.listen();

    await eventually(
      async () => ((await store.events.get(devId, old.eventId)) === undefined ? true : undefined),
      60_000,
      'the old delivered event to be purged',
    );
    await eventually(
      async () => ((await store.events.get(devId, readCopy.eventId)) === undefined ? true : undefined),
      60_000,
      'the old read copy to be purged',
    );
    expect(await store.deliveries.get(devId, old.deliveryId)).toBeUndefined();
    expect(await store.deliveries.attempts(devId, old.deliveryId)).toEqual([]);
    expect(await store.deliveries.get(devId, readCopy.deliveryId)).toBeUndefined();
    expect(await store.dataRequests.get(devId, 'ref-old-request')).toBeUndefined();
    // Pending work and recent data stay.
    expect(await store.events.get(devId, oldPending.eventId)).toBeDefined();
    expect(await store.deliveries.get(devId, oldPending.deliveryId)).toMatchObject({ status: 'pending' });
    expect(await store.events.get(devId, recent.eventId)).toBeDefined();
    expect(await store.deliveries.get(devId, recent.deliveryId)).toMatchObject({ status: 'delivered' });
    expect(await store.deliveries.attempts(devId, recent.deliveryId)).toHaveLength(1);
    expect(await store.dataRequests.get(devId, 'ref-new-request')).toBeDefined();
  }, 150_000);
});
