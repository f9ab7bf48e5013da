import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';

const RUN = readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'));

/**
 * Issue 10, item 5: deleting (deauthenticating) a user deletes their data everywhere: their
 * events with every delivery (pending ones included), attempt and chunk, and their data
 * requests, in the transaction that deletes the user; signed links stop serving it.
 */
describe.each(ENGINES)('a deleted user on %s', (engine) => {
  let t: TestApp;
  let receiver: Receiver;
  const typeOf = (body: string) => (JSON.parse(body) as { type: string }).type;

  beforeEach(async () => {
    // Activity events fail (the delivery stays pending, next try in 60 s); notices are accepted.
    receiver = await startReceiver((request) => (typeOf(request.body) === 'activity' ? { status: 503 } : undefined));
    t = await startTestApp(engine, 'deleted-user', { TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '60,60' });
  });
  afterEach(async () => {
    await t?.close();
    await receiver?.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function userWithActivity(): Promise<string> {
    const created = await api('POST', '/v2/auth/authenticateUser?resource=UPLOAD', {});
    const { user_id: userId } = (await created.json()) as { user_id: string };
    const uploaded = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(RUN),
    });
    expect(uploaded.status).toBe(201);
    return userId;
  }

  it('leaves no event, delivery or data request to send again, and its links stop serving', async () => {
    expect((await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url })).status).toBe(201);
    const userId = await userWithActivity();
    const other = await userWithActivity();
    // A to_webhook read of the user: a data request and one more event.
    const read = await api(
      'GET',
      `/v2/activity?user_id=${userId}&start_date=2017-01-01&end_date=2030-01-01&to_webhook=true`,
    );
    expect(read.status).toBe(200);
    const { reference } = (await read.json()) as { reference: string };
    t.app.context.eventsCommitted.notify();

    // Every activity event of both users reached the receiver once and failed: pending, retry later.
    await receiver.waitFor((r) => r.filter((x) => typeOf(x.body) === 'activity').length >= 3, 60_000);
    const events = await t.app.store.events.list(t.devId, { userId, type: 'activity' });
    expect(events).toHaveLength(2);
    const deliveries = (
      await Promise.all(
        events.map(
          async (e) => (await t.app.store.deliveries.list(t.devId, { eventId: e.eventId, limit: 10 })).deliveries,
        ),
      )
    ).flat();
    expect(deliveries).toHaveLength(2);
    await eventually(
      async () => {
        const now = await Promise.all(deliveries.map((d) => t.app.store.deliveries.get(t.devId, d.deliveryId)));
        return now.every((d) => d?.status === 'pending' && d.attempts >= 1);
      },
      30_000,
      'one failed attempt of each delivery',
    );
    expect(await t.app.store.dataRequests.get(t.devId, reference)).toBeDefined();
    const fitLink = t.app.context.fitLinks!.url(t.devId, events[0]!.eventId, 3600);
    const payloadLink = t.app.context.delivery!.payloadUrl(t.devId, events[0]!.eventId, 3600);
    expect((await fetch(fitLink)).status).toBe(200);
    expect((await fetch(payloadLink)).status).toBe(200);

    expect((await api('DELETE', `/v2/auth/deauthenticateUser?user_id=${userId}`)).status).toBe(200);
    const deauthAt = Date.now();

    // Nothing of the user's is left to send: no event but the deauth notice, no delivery of theirs.
    expect((await t.app.store.events.list(t.devId, { userId })).map((e) => e.type)).toEqual(['deauth']);
    for (const d of deliveries) {
      expect(await t.app.store.deliveries.get(t.devId, d.deliveryId)).toBeUndefined();
      // Redelivery has nothing to re-send.
      expect((await api('POST', `/v2/deliveries/${d.deliveryId}/redeliver`)).status).toBe(404);
    }
    // Every pending delivery, queued or parked (a delivery waiting for its retry is parked).
    const pending = (await t.app.store.deliveries.list(t.devId, { status: 'pending', limit: 500 })).deliveries;
    const pendingEvents = await Promise.all(pending.map((d) => t.app.store.events.get(t.devId, d.eventId)));
    expect(pendingEvents.filter((e) => e?.userId === userId && e.type !== 'deauth')).toEqual([]);
    // The other user's pending delivery is still there.
    expect(pendingEvents.some((e) => e?.userId === other)).toBe(true);
    expect(await t.app.store.dataRequests.get(t.devId, reference)).toBeUndefined();
    expect([404, 410]).toContain((await fetch(fitLink)).status);
    expect([404, 410]).toContain((await fetch(payloadLink)).status);

    // The deauth notice is delivered; none of the user's data is sent after it.
    await receiver.waitFor((r) => r.some((x) => typeOf(x.body) === 'deauth'), 30_000);
    const afterwards = receiver.received.filter((x) => x.at >= deauthAt && typeOf(x.body) !== 'deauth');
    expect(afterwards.filter((x) => x.body.includes(userId))).toEqual([]);
  });
});
