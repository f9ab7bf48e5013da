import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { call } from './client.ts';

/** Issue 11 items 10–13: the contract's rough edges, each as a client meets it. */
describe('contract rough edges', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp('sqlite', 'contract-edges', {
      TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: 'edges',
      TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET: 'edges',
      TRIBUTARY_PROVIDER_IFIT_BASE_URL: new URL(receiver.url).origin,
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const createWebhook = async (extra: Record<string, unknown> = {}) =>
    call(t, 'POST', '/v2/destinations', { body: { type: 'webhook', url: receiver.url, ...extra } });

  it('POSTs that take no body accept content-type: application/json with an empty body', async () => {
    const created = await createWebhook();
    expect(created.status).toBe(201);
    const test = await call(t, 'POST', `/v2/destinations/${created.body.id}/test`, { rawBody: '' });
    expect(test.status).toBe(202);
    const delivery = test.body.delivery.id as string;
    expect((await call(t, 'POST', `/v2/deliveries/${delivery}/redeliver`, { rawBody: '' })).status).toBe(202);
    // A route that needs a body still says it is missing.
    const empty = await call(t, 'POST', '/v2/destinations', { rawBody: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/empty/);
  });

  it('redelivering a delivery of a deleted destination is a 409 with the reason; it is marked as such', async () => {
    const created = await createWebhook();
    const test = await call(t, 'POST', `/v2/destinations/${created.body.id}/test`);
    const delivery = test.body.delivery.id as string;
    expect((await call(t, 'DELETE', `/v2/destinations/${created.body.id}`)).status).toBe(200);
    const again = await call(t, 'POST', `/v2/deliveries/${delivery}/redeliver`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
    expect(again.body.message).toContain('was deleted');
    expect((await call(t, 'GET', `/v2/deliveries/${delivery}`)).body.destination_deleted).toBe(true);
    const listed = await call(t, 'GET', `/v2/deliveries?destination_id=${created.body.id}`);
    expect(listed.body.deliveries.map((d: { destination_deleted?: boolean }) => d.destination_deleted)).toEqual([true]);
    const live = (await call(t, 'GET', '/v2/deliveries')).body.deliveries.filter(
      (d: { destination_id: string }) => d.destination_id !== created.body.id,
    );
    expect(live.length).toBeGreaterThan(0);
    for (const d of live) expect(d.destination_deleted).toBeUndefined();
  });

  it('a method a path is not served with is a 405 with Allow; GET / goes to the dashboard', async () => {
    const response = await fetch(`${t.url}/v2/integrations`, { method: 'DELETE', headers: t.headers });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ code: 'method_not_allowed' });
    const put = await fetch(`${t.url}/v2/destinations/dst_x`, { method: 'PUT', headers: t.headers });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
    expect((await fetch(`${t.url}/v2/nothing-here`, { method: 'DELETE' })).status).toBe(404);
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard');
  });

  it('unknown body fields on create and patch are a 400 naming them', async () => {
    const unknown = await createWebhook({ colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ parameter: 'colour' });
    expect(unknown.body.message).toContain("'colour'");
    const nested = await call(t, 'POST', '/v2/destinations', {
      body: { type: 'webhook', config: { url: receiver.url, sign: true } },
    });
    expect(nested.body).toMatchObject({ parameter: 'config.sign' });
    const created = await createWebhook();
    const patched = await call(t, 'PATCH', `/v2/destinations/${created.body.id}`, { body: { enabeld: false } });
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ parameter: 'enabeld' });
  });

  it('a webhook URL whose host does not resolve is a 400 at creation', async () => {
    const answer = await createWebhook({ url: 'https://hooks.nowhere.invalid/terra' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ parameter: 'url' });
    expect(answer.body.message).toContain('does not resolve');
  });

  it('hosted result pages use the provider’s display name', async () => {
    const page = await (await fetch(`${t.url}/auth/success?resource=IFIT`)).text();
    expect(page).toContain('iFit is connected');
    expect(page).not.toContain('IFIT');
  });
});
