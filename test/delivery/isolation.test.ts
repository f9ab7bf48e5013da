import { afterEach, describe, expect, it } from 'vitest';
import { createTributary, type Tributary } from '../../src/app.ts';
import { DISPATCH_MAX_FAILURES } from '../../src/delivery/service.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { ENGINES, openTestStore, TEST_KEY, tempDir, type TestStore } from '../helpers/engines.ts';
import { activity } from '../api/records.ts';
import { eventually } from './eventually.ts';
import { startReceiver, type Receiver } from './receiver.ts';

/**
 * Issue 10, delivery lows: one destination whose secrets cannot be opened must not stop
 * dispatch for everyone; clients of destinations deleted elsewhere (another process) are
 * closed, not kept for the life of the process.
 */
describe.each(ENGINES)('delivery isolation (%s)', (engine) => {
  let t: TestStore | undefined;
  let app: Tributary | undefined;
  let receiver: Receiver | undefined;

  afterEach(async () => {
    await app?.close();
    await receiver?.close();
    app = undefined;
    t = undefined;
  });

  async function start(name: string) {
    t = await openTestStore(engine, name);
    const config = loadConfig({
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: tempDir(),
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_LOG_LEVEL: 'silent',
      TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.1',
    });
    app = await createTributary(config, { store: t.store, logger: createLogger('silent') });
    await app.listen();
    const devId = (await t.store.developers.create({ name: 'isolation' })).developer.devId;
    const user = await t.store.users.create(devId, {
      provider: 'GARMIN',
      state: 'connected',
      scopes: 'ACTIVITY_EXPORT',
    });
    receiver = await startReceiver();
    const service = app.context.delivery!;
    const webhook = async () =>
      (await service.createDestination(devId, { type: 'webhook', url: receiver!.url })).destination.destinationId;
    return { devId, user, service, webhook };
  }

  it('a destination whose secrets cannot be opened fails alone; the others still get every event', async () => {
    const { devId, user, service, webhook } = await start('undecryptable');
    const broken = await webhook();
    const healthy = await webhook();
    // Sealed under another key (e.g. TRIBUTARY_ENCRYPTION_KEY changed): unreadable.
    await (
      await t!.sql()
    ).run('UPDATE destinations SET secrets_sealed = ? WHERE destination_id = ?', [
      'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA',
      broken,
    ]);
    await storeRecords(t!.store, { user, type: 'activity', records: [activity('iso-1', '2026-02-01T08:00:00Z')] });
    app!.context.eventsCommitted.notify();

    await receiver!.waitFor((received) => received.length >= 1, 30_000);
    const failed = await eventually(
      async () => (await service.listDeliveries(devId, { destination_id: broken, status: 'failed' })).deliveries[0],
      30_000,
      'the broken destination’s delivery to fail',
    );
    expect(failed.lastError).toMatch(/secrets cannot be opened/);
    const delivered = await eventually(
      async () =>
        (await service.listDeliveries(devId, { destination_id: healthy, status: 'delivered' })).deliveries.find(
          (d) => d.eventType === 'activity',
        ),
      30_000,
      'the healthy destination to receive the activity',
    );
    expect(delivered.status).toBe('delivered');
  });

  it('an event that keeps failing dispatch is quarantined; a flood of them does not stop dispatch for others', async () => {
    const { devId, service, webhook } = await start('quarantine');
    const broken = await webhook();
    // A damaged row: listing this developer's destinations throws, so each of its events fails dispatch.
    const sql = await t!.sql();
    await sql.run('UPDATE destinations SET event_types = ? WHERE destination_id = ?', ['{damaged', broken]);
    // More failing events than one dispatch pass takes (200), all ahead of the other tenant's event.
    await t!.store.transaction(async (tx) => {
      for (let i = 0; i < 250; i++) await tx.events.insert(devId, { type: 'healthcheck', payload: { n: i } });
    });
    const other = (await t!.store.developers.create({ name: 'other tenant' })).developer.devId;
    await service.createDestination(other, { type: 'webhook', url: receiver!.url });
    await t!.store.events.insert(other, { type: 'healthcheck', payload: { other_tenant: true } });
    app!.context.eventsCommitted.notify();

    await receiver!.waitFor((received) => received.some((r) => r.body.includes('other_tenant')), 60_000);
    const quarantined = await eventually(
      async () => {
        const row = await sql.get<{ n: number }>(
          'SELECT COUNT(*) AS n FROM events WHERE dev_id = ? AND dispatched = 2',
          [devId],
        );
        return Number(row?.n) === 250 ? row : undefined;
      },
      60_000,
      'every failing event to be quarantined',
    );
    expect(Number(quarantined.n)).toBe(250);
    const sample = await sql.get<{ dispatch_error: string; dispatch_failures: number }>(
      'SELECT dispatch_error, dispatch_failures FROM events WHERE dev_id = ? AND dispatched = 2 LIMIT 1',
      [devId],
    );
    expect(sample?.dispatch_error).toMatch(/JSON/);
    expect(Number(sample?.dispatch_failures)).toBe(DISPATCH_MAX_FAILURES);
    // Out of the outbox: nothing of them is left for the dispatcher.
    expect(await t!.store.events.undispatched(500)).toEqual([]);
  }, 150_000);

  it('closes the client of a destination deleted by another process', async () => {
    const { devId, user, service, webhook } = await start('client-leak');
    const id = await webhook();
    await storeRecords(t!.store, { user, type: 'activity', records: [activity('iso-2', '2026-02-01T08:00:00Z')] });
    app!.context.eventsCommitted.notify();
    await receiver!.waitFor((received) => received.length >= 1, 30_000);
    expect(service.openClients).toBe(1);

    // Another process deletes it: straight through the shared store, this service is not told.
    expect(await t!.store.destinations.delete(devId, id)).toBe(true);
    await service.pruneClients();
    expect(service.openClients).toBe(0);
  });
});

describe.each(ENGINES)('the outbox dispatcher reads ids, not payloads (%s)', (engine) => {
  it('undispatched() returns routing fields only', async (context) => {
    const t = await openTestStore(engine, context.task.name);
    try {
      const devId = (await t.store.developers.create({ name: 'outbox' })).developer.devId;
      const big = { type: 'healthcheck', blob: 'x'.repeat(100_000) };
      const inserted = await t.store.events.insert(devId, { type: 'healthcheck', payload: big });
      const [entry] = await t.store.events.undispatched(10);
      expect(entry).toMatchObject({ eventId: inserted.eventId, devId, type: 'healthcheck', dispatched: false });
      expect(entry).not.toHaveProperty('payload');
    } finally {
      await t.close();
    }
  });
});
