/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { validateEvent } from '../../src/model/validate.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity } from '../api/records.ts';
import { startReceiver, type Receiver } from './receiver.ts';

describe.each(ENGINES)('to_webhook reads and large requests on %s', (engine) => {
  let t: TestApp;
  let receiver: Receiver;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeEach(async () => {
    receiver = await startReceiver();
    t = await startTestApp(engine, 'reads');
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  async function seed(count: number, firstDay: number) {
    const user = await t.app.store.users.create(t.devId, {
      provider: 'GARMIN',
      state: 'connected',
      scopes: 'ACTIVITY_EXPORT',
      referenceId: 'me',
    });
    const records = Array.from({ length: count }, (_, i) =>
      activity(`r${i}`, new Date(Date.UTC(2026, 0, firstDay + i * 2, 8)).toISOString()),
    );
    await storeRecords(t.app.store, { user, type: 'activity', records });
    return user;
  }

  it('answers DataSentToWebhook and sends the records with terra-reference', async () => {
    const user = await seed(3, 2);
    await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url, event_types: ['activity'] });
    const read = await api('GET', `/v2/activity?user_id=${user.userId}&start_date=2026-01-01&end_date=2026-01-20`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      type: 'webhook',
      message: 'Data will be sent to webhook',
      user: { user_id: user.userId },
    });
    const reference = read.body.reference as string;
    await receiver.waitFor((r) => r.some((x) => x.headers['terra-reference'] === reference));
    const hit = receiver.received.find((x) => x.headers['terra-reference'] === reference)!;
    const event = JSON.parse(hit.body);
    expect(event.type).toBe('activity');
    expect(event.data.map((d: any) => d.metadata.summary_id)).toEqual(['r0', 'r1', 'r2']);
    expect(validateEvent(event)).toEqual([]);
  });

  it('says in its message that the data goes nowhere when no enabled destination receives it (same shape)', async () => {
    const user = await seed(2, 2);
    const path = `/v2/activity?user_id=${user.userId}&start_date=2026-01-01&end_date=2026-01-20`;
    const nowhere =
      /No enabled destination receives activity events for this developer, so this data is not sent anywhere/;

    const none = await api('GET', path);
    expect(none.status).toBe(200);
    expect(Object.keys(none.body).sort()).toEqual(['message', 'reference', 'type', 'user']);
    expect(none.body).toMatchObject({ type: 'webhook', message: expect.stringMatching(nowhere) });

    // A destination for other event types, or a disabled one, does not receive it either.
    await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url, event_types: ['sleep'] });
    const created = await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
    const id = created.body.id as string;
    expect((await api('PATCH', `/v2/destinations/${id}`, { enabled: false })).status).toBe(200);
    expect((await api('GET', path)).body.message).toMatch(nowhere);
    const longRange = `/v2/activity?user_id=${user.userId}&start_date=2026-01-01&end_date=2026-03-20`;
    const large = await api('GET', longRange);
    expect(large.body).toMatchObject({ type: 'large_request_processing', message: expect.stringMatching(nowhere) });

    expect((await api('PATCH', `/v2/destinations/${id}`, { enabled: true })).status).toBe(200);
    expect((await api('GET', path)).body.message).toBe('Data will be sent to webhook');
  });

  it('splits a range longer than one month into large_request events and chunks of at most 10 records', async () => {
    const user = await seed(25, 1);
    await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
    const read = await api('GET', `/v2/activity?user_id=${user.userId}&start_date=2026-01-01&end_date=2026-03-01`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      type: 'large_request_processing',
      status: 'processing',
      user: { user_id: user.userId },
    });
    expect(validateEvent(read.body)).toEqual([]);
    const reference = read.body.reference as string;
    const mine = () => receiver.received.filter((x) => x.headers['terra-reference'] === reference);
    await receiver.waitFor(() => mine().length >= 5);
    const events = mine().map((x) => ({ event: JSON.parse(x.body), trace: String(x.headers['x-terra-trace-id']) }));
    for (const { event } of events) expect(validateEvent(event)).toEqual([]);
    const processing = events.filter((e) => e.event.type === 'large_request_processing');
    const sending = events.filter((e) => e.event.type === 'large_request_sending');
    const chunks = events.filter((e) => e.event.type === 'activity');
    expect(processing).toHaveLength(1);
    expect(sending).toHaveLength(1);
    expect(sending[0]!.event).toMatchObject({ reference, expected_payloads: 3 });
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.event.data.length <= 10)).toBe(true);
    expect(chunks.flatMap((c) => c.event.data.map((d: any) => d.metadata.summary_id)).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `r${i}`).sort(),
    );
    const traces = chunks.map((c) => c.trace).sort();
    const base = traces[0]!.split(':chunk:')[0]!;
    expect(traces).toEqual([0, 1, 2].map((n) => `${base}:chunk:${n}`));
  });

  it('ping mode posts s3_payload with a signed, expiring link that serves the full event', async () => {
    const user = await seed(1, 3);
    await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url, delivery_mode: 'ping' });
    const read = await api('GET', `/v2/activity?user_id=${user.userId}&start_date=2026-01-01&end_date=2026-01-10`);
    const reference = read.body.reference as string;
    await receiver.waitFor((r) => r.some((x) => x.headers['terra-reference'] === reference));
    const ping = JSON.parse(receiver.received.find((x) => x.headers['terra-reference'] === reference)!.body);
    expect(ping).toMatchObject({ type: 's3_payload', status: 'success', expires_in: 600 });
    expect(validateEvent(ping)).toEqual([]);
    // No API key needed: the signature is the credential.
    const full = await fetch(ping.url);
    expect(full.status).toBe(200);
    const event = (await full.json()) as any;
    expect(event).toMatchObject({ type: 'activity', user: { user_id: user.userId } });
    expect(event.data[0].metadata.summary_id).toBe('r0');
    const tampered = new URL(ping.url);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 60));
    expect((await fetch(tampered)).status).toBe(403);
    const expired = new URL(t.app.context.delivery!.payloadUrl(t.devId, event_id(ping.url), -1));
    expect((await fetch(expired)).status).toBe(410);
  });
});

function event_id(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop()!);
}
