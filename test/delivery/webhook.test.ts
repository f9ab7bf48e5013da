/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { verifyTerraWebhookSignature } from 'terra-api';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { validateEvent } from '../../src/model/validate.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity } from '../api/records.ts';
import { eventually } from './eventually.ts';
import { bodiesOf, startReceiver, type Receiver } from './receiver.ts';

describe.each(ENGINES)('webhook delivery on %s', (engine) => {
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
    t = await startTestApp(engine, 'webhook', { TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.2,0.2' });
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  async function newUser() {
    return t.app.store.users.create(t.devId, {
      provider: 'GARMIN',
      referenceId: 'ref-1',
      state: 'connected',
      scopes: 'ACTIVITY_EXPORT',
    });
  }

  it('creates a destination, then a stored record reaches the receiver as a signed POST', async () => {
    const created = await api('POST', '/v2/destinations', {
      type: 'webhook',
      url: receiver.url,
      delivery_mode: 'push',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'webhook',
      url: receiver.url,
      delivery_mode: 'push',
      format: 'json',
      enabled: true,
    });
    const secret = created.body.signing_secret as string;
    expect(secret).toMatch(/^whsec_/);

    const user = await newUser();
    const result = await storeRecords(t.app.store, {
      user,
      type: 'activity',
      records: [activity('a1', '2026-01-05T10:00:00Z')],
    });
    t.app.context.eventsCommitted.notify();
    await receiver.waitFor((r) => r.length >= 1);

    const hit = receiver.received[0]!;
    const event = JSON.parse(hit.body) as Record<string, any>;
    expect(event.type).toBe('activity');
    expect(event.user.user_id).toBe(user.userId);
    expect(event.data[0].metadata.summary_id).toBe('a1');
    expect(validateEvent(event)).toEqual([]);
    // Terra's SDK verifies the exact raw body with the secret.
    await expect(verifyTerraWebhookSignature(hit.body, String(hit.headers['terra-signature']), secret)).resolves.toBe(
      true,
    );
    await expect(
      verifyTerraWebhookSignature(hit.body + ' ', String(hit.headers['terra-signature']), secret),
    ).rejects.toThrow();
    // Standard Webhooks verifies the same request.
    expect(new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({
      type: 'activity',
    });
    expect(hit.headers['x-terra-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hit.headers['webhook-id']).toBe(hit.headers['x-terra-trace-id']);
    expect(Number(hit.headers['x-terra-ordering-timestamp'])).toBeGreaterThan(Date.now() - 60_000);
    expect(hit.headers['content-type']).toBe('application/json');

    const list = await eventually(async () => {
      const page = await api('GET', '/v2/deliveries?status=delivered');
      return page.body.deliveries.length > 0 && page;
    });
    expect(list.body.deliveries).toHaveLength(1);
    expect(list.body.deliveries[0]).toMatchObject({
      event_id: result.eventId,
      event_type: 'activity',
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
    });
  });

  it('retries a failing endpoint with the same trace id, then marks the delivery failed and redelivers it by hand', async () => {
    await receiver.close();
    let fail = true;
    receiver = await startReceiver(() => (fail ? { status: 503 } : { status: 204 }));
    const created = await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
    const user = await newUser();
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity('a2', '2026-01-06T10:00:00Z')] });
    t.app.context.eventsCommitted.notify();
    await receiver.waitFor((r) => r.length >= 3);
    const traces = new Set(receiver.received.map((r) => r.headers['x-terra-trace-id']));
    expect(traces.size).toBe(1);

    let failed: Record<string, any> | undefined;
    for (let i = 0; i < 50 && !failed; i++) {
      failed = (await api('GET', `/v2/deliveries?status=failed&destination_id=${created.body.id}`)).body.deliveries[0];
      if (!failed) await new Promise((r) => setTimeout(r, 100));
    }
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, last_status_code: 503, next_attempt_at: null });
    expect(failed!.last_error).toContain('HTTP 503');
    expect(receiver.received).toHaveLength(3);

    fail = false;
    const redelivered = await api('POST', `/v2/deliveries/${failed!.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    await receiver.waitFor((r) => r.length >= 4);
    expect(receiver.received[3]!.headers['x-terra-trace-id']).toBe(receiver.received[0]!.headers['x-terra-trace-id']);
    for (let i = 0; i < 50; i++) {
      const one = await api('GET', `/v2/deliveries/${failed!.id}`);
      if (one.body.status === 'delivered') {
        expect(one.body.attempt_log.map((a: any) => a.status_code)).toEqual([503, 503, 503, 204]);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redelivery did not succeed');
  });

  it('sends a healthcheck on /test and rotates the secret', async () => {
    const created = await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
    const test = await api('POST', `/v2/destinations/${created.body.id}/test`);
    expect(test.status).toBe(202);
    await receiver.waitFor((r) => r.length >= 1);
    const event = bodiesOf(receiver.received)[0]!;
    expect(event).toMatchObject({
      type: 'healthcheck',
      status: 'success',
      sent_webhooks_last_hour: 0,
      trend_percentage: 0,
    });
    expect(validateEvent(event)).toEqual([]);

    const rotated = await api('POST', `/v2/destinations/${created.body.id}/rotate-secret`);
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.signing_secret).not.toBe(created.body.signing_secret);
    await api('POST', `/v2/destinations/${created.body.id}/test`);
    await receiver.waitFor((r) => r.length >= 2);
    const second = receiver.received[1]!;
    await expect(
      verifyTerraWebhookSignature(second.body, String(second.headers['terra-signature']), rotated.body.signing_secret),
    ).resolves.toBe(true);
    await expect(
      verifyTerraWebhookSignature(second.body, String(second.headers['terra-signature']), created.body.signing_secret),
    ).rejects.toThrow();
    // The secret is shown at creation and rotation only.
    const got = await api('GET', `/v2/destinations/${created.body.id}`);
    expect(got.body.signing_secret).toBeUndefined();
    expect(JSON.stringify((await api('GET', '/v2/destinations')).body)).not.toContain('whsec_');
  });
});
