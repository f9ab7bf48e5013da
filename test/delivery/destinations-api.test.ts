/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { afterEach, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { ENGINES, TEST_DATABASE_URL } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity, body } from '../api/records.ts';
import { deliveriesSettled, eventually } from './eventually.ts';
import { startReceiver, type Receiver } from './receiver.ts';

describe.each(ENGINES)('destinations API on %s', (engine) => {
  let t: TestApp | undefined;
  let receiver: Receiver | undefined;
  const api = async (method: string, path: string, payload?: unknown, headers = t!.headers) => {
    const response = await fetch(`${t!.url}${path}`, {
      method,
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  afterEach(async () => {
    await t?.close();
    await receiver?.close();
    t = undefined;
    receiver = undefined;
  });
  const user = () =>
    t!.app.store.users.create(t!.devId, { provider: 'GARMIN', state: 'connected', scopes: 'ACTIVITY_EXPORT' });

  it('validates input with clear errors and keeps developers apart', async () => {
    t = await startTestApp(engine, 'dest-api');
    expect((await api('POST', '/v2/destinations', { type: 'webhook' })).body).toMatchObject({
      status: 'error',
      parameter: 'url',
    });
    expect((await api('POST', '/v2/destinations', { type: 'webhook', url: 'ftp://x.example/' })).body).toMatchObject({
      parameter: 'url',
    });
    expect(
      (await api('POST', '/v2/destinations', { type: 'carrier-pigeon', url: 'http://x.example/' })).body,
    ).toMatchObject({ parameter: 'type' });
    expect(
      (await api('POST', '/v2/destinations', { type: 'webhook', url: 'http://x.example/', delivery_mode: 'shout' }))
        .body,
    ).toMatchObject({ parameter: 'delivery_mode' });
    expect(
      (await api('POST', '/v2/destinations', { type: 'webhook', url: 'http://x.example/', format: 'xml' })).body,
    ).toMatchObject({ parameter: 'format' });
    expect(
      (await api('POST', '/v2/destinations', { type: 'webhook', url: 'http://x.example/', event_types: ['nope'] }))
        .body,
    ).toMatchObject({ parameter: 'event_types' });
    expect((await api('POST', '/v2/destinations', [1, 2])).status).toBe(400);
    expect((await api('GET', '/v2/deliveries?status=lost')).body).toMatchObject({ parameter: 'status' });
    expect((await api('GET', '/v2/deliveries?limit=0')).body).toMatchObject({ parameter: 'limit' });
    expect((await api('GET', '/v2/deliveries?cursor=garbage')).body).toMatchObject({ parameter: 'cursor' });

    const created = await api('POST', '/v2/destinations', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/hook',
      format: 'json',
      event_types: ['sleep'],
    });
    expect(created.status).toBe(201);
    const patched = await api('PATCH', `/v2/destinations/${created.body.id}`, {
      url: 'http://127.0.0.1:9/other-hook',
      event_types: null,
      delivery_mode: 'ping',
    });
    expect(patched.body).toMatchObject({
      url: 'http://127.0.0.1:9/other-hook',
      event_types: null,
      delivery_mode: 'ping',
    });
    expect((await api('PATCH', `/v2/destinations/${created.body.id}`, { type: 'sql' })).body).toMatchObject({
      parameter: 'type',
    });

    const other = await t.otherDeveloper();
    expect((await api('GET', `/v2/destinations/${created.body.id}`, undefined, other.headers)).status).toBe(404);
    expect((await api('DELETE', `/v2/destinations/${created.body.id}`, undefined, other.headers)).status).toBe(404);
    expect((await api('GET', '/v2/destinations', undefined, other.headers)).body.destinations).toEqual([]);
    expect((await api('GET', '/v2/destinations', undefined, {} as Record<string, string>)).status).toBe(401);

    expect((await api('DELETE', `/v2/destinations/${created.body.id}`)).status).toBe(200);
    expect((await api('GET', `/v2/destinations/${created.body.id}`)).status).toBe(404);
  });

  it('clears an optional config field with null (a merge patch); a required one stays required', async () => {
    t = await startTestApp(engine, 'dest-clear');
    const pgUrl = new URL(TEST_DATABASE_URL);
    const created = await api('POST', '/v2/destinations', {
      type: 'sql',
      config: {
        scheme: 'postgres',
        host: '127.0.0.1',
        port: Number(pgUrl.port || 5432),
        database: pgUrl.pathname.slice(1) || 'postgres',
        username: pgUrl.username || 'postgres',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.port).toBe(Number(pgUrl.port || 5432));
    // Cleared: the stored config no longer has it (the type's default applies), checked again for real.
    const cleared = await api('PATCH', `/v2/destinations/${created.body.id}`, { config: { port: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty('port');
    expect((await api('GET', `/v2/destinations/${created.body.id}`)).body).not.toHaveProperty('port');
    // Top-level config fields clear the same way; a required field cannot be cleared.
    const refused = await api('PATCH', `/v2/destinations/${created.body.id}`, { host: null });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'error', parameter: 'config.host' });
    expect((await api('GET', `/v2/destinations/${created.body.id}`)).body.host).toBe('127.0.0.1');
  });

  it('lists every destination type with its config schema, secret and generated fields (what forms are built from)', async () => {
    t = await startTestApp(engine, 'dest-types');
    const answer = await api('GET', '/v2/destination-types');
    expect(answer.status).toBe(200);
    const types = answer.body.types as any[];
    expect(types.map((x) => x.type)).toEqual([
      'webhook',
      'sql',
      'mongodb',
      'firestore',
      'supabase',
      's3',
      'gcs',
      'azure_blob',
      'sqs',
      'kafka',
    ]);
    const webhook = types.find((x) => x.type === 'webhook');
    expect(webhook).toMatchObject({ secret_fields: ['signing_secret'], generated_fields: ['signing_secret'] });
    // The generated secret is not required (it is generated when omitted), and is write-only.
    expect(webhook.config_schema.required).toEqual(['url']);
    expect(webhook.config_schema.properties.signing_secret.writeOnly).toBe(true);
    const sql = types.find((x) => x.type === 'sql');
    expect(sql.config_schema.properties.scheme.enum).toEqual(['postgres', 'mysql']);
    expect(sql.config_schema.required).toEqual(['scheme', 'host', 'database', 'username']);
    expect(sql.docs).toBe('docs/destinations/sql.md');
    expect(answer.body.event_types).toContain('connection_stale');
    expect(answer.body.formats).toEqual(['json', 'fit', 'fhir']);
    expect(answer.body.delivery_modes).toEqual(['push', 'ping']);
    // The same schemas as the OpenAPI document's components.
    const document = (await (await fetch(`${t.url}/openapi.json`)).json()) as any;
    expect(sql.config_schema).toEqual(document.components.schemas.DestinationConfig_sql);
    expect((await api('GET', '/v2/destination-types', undefined, {} as Record<string, string>)).status).toBe(401);
  });

  it('routes events only to destinations subscribed to their type, and pages the deliveries log', async () => {
    receiver = await startReceiver();
    t = await startTestApp(engine, 'dest-filter');
    const sleepOnly = await api('POST', '/v2/destinations', {
      type: 'webhook',
      url: `${receiver.url}?sleep`,
      event_types: ['sleep'],
    });
    const all = await api('POST', '/v2/destinations', { type: 'webhook', url: `${receiver.url}?all` });
    const u = await user();
    await storeRecords(t.app.store, { user: u, type: 'activity', records: [activity('f1', '2026-02-01T08:00:00Z')] });
    await storeRecords(t.app.store, { user: u, type: 'body', records: [body('2026-02-01'), body('2026-02-02')] });
    await storeRecords(t.app.store, { user: u, type: 'activity', records: [activity('f2', '2026-02-03T08:00:00Z')] });
    await receiver.waitFor((r) => r.length >= 3);
    await deliveriesSettled(t.app.store, t.devId);
    expect(receiver.received).toHaveLength(3);
    expect((await api('GET', `/v2/deliveries?destination_id=${sleepOnly.body.id}`)).body.deliveries).toEqual([]);
    const first = await api('GET', `/v2/deliveries?destination_id=${all.body.id}&limit=2`);
    expect(first.body.deliveries).toHaveLength(2);
    const second = await api('GET', `/v2/deliveries?destination_id=${all.body.id}&limit=2&cursor=${first.body.cursor}`);
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.cursor).toBeNull();
    const page = [...first.body.deliveries, ...second.body.deliveries];
    expect(page.map((d: any) => d.event_type).sort()).toEqual(['activity', 'activity', 'body']);
    expect(new Set(page.map((d: any) => d.id)).size).toBe(3);
  });

  it('creates a destination paused with enabled:false: nothing is delivered until it is enabled', async () => {
    receiver = await startReceiver();
    t = await startTestApp(engine, 'dest-paused');
    const created = await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url, enabled: false });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ enabled: false, status: 'disabled' });
    expect(
      (await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url, enabled: 'no' })).body.parameter,
    ).toBe('enabled');
    await storeRecords(t.app.store, {
      user: await user(),
      type: 'activity',
      records: [activity('p1', '2026-02-01T08:00:00Z')],
    });
    // Dispatched with no delivery for the paused destination: nothing can be sent for it.
    await deliveriesSettled(t.app.store, t.devId);
    expect((await api('GET', `/v2/deliveries?destination_id=${created.body.id}`)).body.deliveries).toEqual([]);
    expect(receiver.received).toHaveLength(0);
    expect((await api('PATCH', `/v2/destinations/${created.body.id}`, { enabled: true })).body).toMatchObject({
      enabled: true,
      status: 'active',
    });
    await storeRecords(t.app.store, {
      user: await user(),
      type: 'activity',
      records: [activity('p2', '2026-02-02T08:00:00Z')],
    });
    await receiver.waitFor((r) => r.length >= 1);
  });

  it('disables a destination that failed continuously for the configured period, with a notice', async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    t = await startTestApp(engine, 'dest-disable', {
      TRIBUTARY_DESTINATION_DISABLE_AFTER_SECONDS: '1',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3',
    });
    const created = await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
    await storeRecords(t.app.store, {
      user: await user(),
      type: 'activity',
      records: [activity('d1', '2026-02-01T08:00:00Z')],
    });
    const disabled = await eventually(async () => {
      const got = await api('GET', `/v2/destinations/${created.body.id}`);
      return got.body.status === 'disabled' && got.body;
    }, 15_000);
    expect(disabled.enabled).toBe(false);
    expect(disabled.status_notice).toMatch(/failed for more than 1 s/);
    const dead = await eventually(async () => (await api('GET', '/v2/deliveries?status=failed')).body.deliveries[0]);
    expect(dead.last_error).toBeTruthy();
    // Disabled with its delivery dead and none pending, no attempt is left to send: the receiver
    // got exactly the attempts the log recorded.
    await deliveriesSettled(t.app.store, t.devId);
    const log = (await api('GET', `/v2/deliveries?destination_id=${created.body.id}`)).body.deliveries;
    expect(log).toHaveLength(1);
    expect(receiver.received.length).toBe(log[0].attempts);
    const enabled = await api('PATCH', `/v2/destinations/${created.body.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, status: 'active', status_notice: null, failing_since: null });
  });

  it.each([['TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS'], ['TRIBUTARY_WEBHOOK_ALLOW_PRIVATE']])(
    'refuses private targets at creation and at send time when %s=false',
    async (variable) => {
      receiver = await startReceiver();
      t = await startTestApp(engine, 'dest-ssrf', {
        [variable]: 'false',
        TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.1',
      });
      for (const url of [
        receiver.url,
        'http://localhost:9/x',
        'http://10.1.2.3/x',
        'http://169.254.169.254/latest',
        'http://[::1]/x',
        'http://[::ffff:127.0.0.1]/x',
        'http://192.168.0.1/x',
        'http://168.63.129.16/machine?comp=goalstate',
      ]) {
        const refused = await api('POST', '/v2/destinations', { type: 'webhook', url });
        expect(refused.status, url).toBe(400);
        expect(refused.body.parameter).toBe('url');
        expect(refused.body.message).toMatch(/private|loopback/);
      }
      // A destination that slipped past creation (e.g. DNS changed since) is still refused at send time.
      const sneaked = await t.app.context.delivery!.destinations.create(t.devId, {
        type: 'webhook',
        config: { url: receiver.url },
        secrets: { signing_secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64') },
        deliveryMode: 'push',
        eventTypes: null,
        format: 'json',
      });
      await storeRecords(t.app.store, {
        user: await user(),
        type: 'activity',
        records: [activity('s1', '2026-02-01T08:00:00Z')],
      });
      const dead = await eventually(
        async () =>
          (await api('GET', `/v2/deliveries?status=failed&destination_id=${sneaked.destinationId}`)).body.deliveries[0],
      );
      expect(dead.last_error).toMatch(/refusing to send/);
      // A refused target is a permanent failure: one attempt, not the whole retry schedule.
      expect(dead.attempts).toBe(1);
      expect(receiver.received).toHaveLength(0);
    },
  );
});
