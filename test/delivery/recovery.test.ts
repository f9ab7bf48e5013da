import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { healthcheckEvent } from '../../src/delivery/terra-events.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { startReceiver, type Receiver } from './receiver.ts';

describe.each(ENGINES)('recovery sweep on %s', (engine) => {
  let t: TestApp | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('delivers a pending delivery whose queue job was lost', async () => {
    receiver = await startReceiver();
    t = await startTestApp(engine, 'recovery', { TRIBUTARY_WEBHOOK_TIMEOUT_MS: '300' });
    const service = t.app.context.delivery!;
    const { destination } = await service.createDestination(t.devId, { type: 'webhook', url: receiver.url });
    // The state a crash (or a flushed Redis) leaves: event dispatched, delivery pending, no job.
    await t.app.store.transaction(async (tx) => {
      const event = await tx.events.insert(t!.devId, {
        type: 'healthcheck',
        payload: healthcheckEvent({ sentWebhooksLastHour: 0, trendPercentage: 0 }),
      });
      await tx.events.markDispatched([event.eventId]);
    });
    const [event] = await t.app.store.events.list(t.devId, { type: 'healthcheck' });
    const [delivery] = await service.deliveries.create(t.devId, [
      {
        destinationId: destination.destinationId,
        eventId: event!.eventId,
        eventType: 'healthcheck',
        traceId: randomUUID(),
      },
    ]);
    expect(await service.queue.pendingCount()).toBe(0);
    await receiver.waitFor((r) => r.length >= 1, 20_000);
    expect(receiver.received[0]!.headers['x-terra-trace-id']).toBe(delivery!.traceId);
  }, 30_000);
});
