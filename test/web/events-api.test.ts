/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { afterEach, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity } from '../api/records.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';

describe.each(ENGINES)('GET /v2/events on %s', (engine) => {
  let t: TestApp | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await t?.close();
    await receiver?.close();
    t = undefined;
    receiver = undefined;
  });
  const get = async (path: string, headers: Record<string, string> = t!.headers) => {
    const response = await fetch(`${t!.url}${path}`, { headers });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, any>,
    };
  };

  it('lists the developer’s events with their delivery status, filtered and paged', async () => {
    receiver = await startReceiver((request) => (request.body.includes('"fails"') ? { status: 500 } : { status: 200 }));
    t = await startTestApp(engine, 'events-api', { TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.1' });
    const created = await fetch(`${t.url}/v2/destinations`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    });
    expect(created.status).toBe(201);
    const alice = await t.app.store.users.create(t.devId, {
      provider: 'GARMIN',
      referenceId: 'alice',
      state: 'connected',
    });
    const bob = await t.app.store.users.create(t.devId, { provider: 'GARMIN', referenceId: 'bob', state: 'connected' });
    await storeRecords(t.app.store, {
      user: alice,
      type: 'activity',
      records: [activity('a1', '2026-02-01T08:00:00Z')],
    });
    // Distinct milliseconds: events of one millisecond are ordered by their (random) id.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await storeRecords(t.app.store, {
      user: bob,
      type: 'activity',
      records: [
        {
          ...activity('fails', '2026-02-02T08:00:00Z'),
          metadata: { ...activity('x', '2026-02-02T08:00:00Z').metadata, summary_id: 'fails', name: 'fails' },
        },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await storeRecords(t.app.store, {
      user: alice,
      type: 'activity',
      records: [activity('a2', '2026-02-03T08:00:00Z')],
    });
    t.app.context.eventsCommitted.notify();

    const settled = await eventually(
      async () => {
        const answer = await get('/v2/events');
        return answer.body.events.length === 3 &&
          answer.body.events.every((e: any) => e.delivery_status === 'delivered' || e.delivery_status === 'failed')
          ? answer
          : undefined;
      },
      20_000,
      'three settled events',
    );
    expect(settled.status).toBe(200);
    expect(settled.type).toContain('application/json');
    expect(settled.body.cursor).toBeNull();
    expect(settled.body.events.map((e: any) => [e.user_id, e.delivery_status])).toEqual([
      [alice.userId, 'delivered'],
      [bob.userId, 'failed'],
      [alice.userId, 'delivered'],
    ]);
    const failed = settled.body.events[1];
    expect(failed).toMatchObject({ type: 'activity', deliveries: [{ status: 'failed', attempts: 2 }] });
    expect(failed.deliveries[0].last_error).toContain('500');
    expect(failed.payload).toBeUndefined();

    expect((await get(`/v2/events?user_id=${alice.userId}`)).body.events).toHaveLength(2);
    expect((await get('/v2/events?type=sleep')).body.events).toEqual([]);
    // Paging: two pages of two and one, in order, without repeats.
    const first = await get('/v2/events?limit=2');
    expect(first.body.events).toHaveLength(2);
    const second = await get(`/v2/events?limit=2&cursor=${first.body.cursor}`);
    expect(second.body.events).toHaveLength(1);
    expect(second.body.cursor).toBeNull();
    expect([...first.body.events, ...second.body.events].map((e: any) => e.id)).toEqual(
      settled.body.events.map((e: any) => e.id),
    );
    // `since` in the future leaves nothing; the distant past includes everything.
    expect((await get(`/v2/events?since=${new Date(Date.now() + 60_000).toISOString()}`)).body.events).toEqual([]);
    expect((await get('/v2/events?since=0')).body.events).toHaveLength(3);

    // One event with its payload: the body its deliveries sent.
    const detail = await get(`/v2/events/${failed.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: failed.id, type: 'activity', user_id: bob.userId });
    expect(detail.body.payload).toMatchObject({ type: 'activity', user: { user_id: bob.userId } });
    expect(detail.body.payload.data[0].metadata.summary_id).toBe('fails');
    const sent = receiver.received.find((r) => r.body.includes('"fails"'))!;
    expect(JSON.parse(sent.body)).toEqual(detail.body.payload);
    expect((await get('/v2/events/evt_nope')).status).toBe(404);

    // Deliveries filtered by user and by event type (the dashboard's filters).
    const ofBob = await get(`/v2/deliveries?user_id=${bob.userId}`);
    expect(ofBob.body.deliveries.map((d: any) => d.event_id)).toEqual([failed.id]);
    expect((await get(`/v2/deliveries?user_id=${alice.userId}`)).body.deliveries).toHaveLength(2);
    expect((await get(`/v2/deliveries?user_id=${alice.userId}&status=failed`)).body.deliveries).toEqual([]);
    expect((await get('/v2/deliveries?event_type=activity')).body.deliveries).toHaveLength(3);
    expect((await get('/v2/deliveries?event_type=sleep')).body.deliveries).toEqual([]);
  });

  it('never shows another developer’s events, and refuses missing or wrong credentials', async () => {
    t = await startTestApp(engine, 'events-tenancy');
    const user = await t.app.store.users.create(t.devId, { provider: 'GARMIN', state: 'connected' });
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity('mine', '2026-02-01T08:00:00Z')] });
    expect((await get('/v2/events')).body.events).toHaveLength(1);

    const other = await t.otherDeveloper();
    expect((await get('/v2/events', other.headers)).body.events).toEqual([]);
    expect((await get(`/v2/events?user_id=${user.userId}`, other.headers)).body.events).toEqual([]);
    const mine = (await get('/v2/events')).body.events[0];
    expect((await get(`/v2/events/${mine.id}`)).status).toBe(200);
    expect((await get(`/v2/events/${mine.id}`, other.headers)).status).toBe(404);
    expect((await get(`/v2/events/${mine.id}`, {})).status).toBe(401);

    const missing = await get('/v2/events', {});
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', code: 'unauthorized' });
    const wrong = await get('/v2/events', { 'dev-id': t.devId, 'x-api-key': 'wrong' });
    expect(wrong.status).toBe(401);
    const crossed = await get('/v2/events', { 'dev-id': other.devId, 'x-api-key': t.apiKey });
    expect(crossed.status).toBe(401);
  });

  it('answers bad input with a 400 that names the parameter', async () => {
    t = await startTestApp(engine, 'events-bad');
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['since=yesterday', 'since'],
      ['since=1&since=2', 'since'],
      ['cursor=garbage', 'cursor'],
      ['user_id=a&user_id=b', 'user_id'],
    ] as const) {
      const answer = await get(`/v2/events?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.type).toContain('application/json');
      expect(answer.body, query).toMatchObject({ status: 'error', code: 'bad_request', parameter });
    }
  });
});
