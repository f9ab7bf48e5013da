import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { SyncService } from '../../src/ingest/sync.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { ENGINES, markEngineUsed, TEST_KEY, tempDir } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { api, IFIT_LOGIN, ifitEnv, startEmulator, submitLogin } from '../ifit/helpers.ts';
import { activity } from './records.ts';
import { parseExposition, type Exposition } from './prometheus.ts';

async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${baseUrl}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** Every label value of every sample: none may carry a tenant's id. */
function labelValues(exposition: Exposition): string[] {
  return exposition.samples.flatMap((sample) => Object.values(sample.labels));
}

describe.each(ENGINES)('GET /metrics (%s)', (engine) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(engine, `metrics-${engine}`);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('counts a real delivery by destination type and outcome, with latency histograms, and requests by route pattern', async () => {
    const created = await fetch(`${t.url}/v2/destinations`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    });
    expect(created.status).toBe(201);
    const destinationId = ((await created.json()) as { id: string }).id;
    expect((await fetch(`${t.url}/v2/destinations/${destinationId}`, { headers: t.headers })).status).toBe(200);

    const user = await t.app.store.users.create(t.devId, {
      provider: 'GARMIN',
      referenceId: 'metrics-ref',
      state: 'connected',
      scopes: 'ACTIVITY_EXPORT',
    });
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity('m1', '2026-01-05T10:00:00Z')] });
    t.app.context.eventsCommitted.notify();
    await receiver.waitFor((received) => received.length >= 1);

    // The outcome is recorded right after the receipt: wait for the counter, then read everything.
    const metrics = await eventually(async () => {
      const read = await scrape(t.url);
      return (
        read.value('tributary_deliveries_total', { destination_type: 'webhook', outcome: 'delivered' }) === 1 && read
      );
    });
    const delivered = { destination_type: 'webhook', outcome: 'delivered' };
    expect(metrics.types.get('tributary_deliveries_total')).toBe('counter');
    expect(metrics.types.get('tributary_delivery_attempt_duration_seconds')).toBe('histogram');
    expect(metrics.value('tributary_delivery_attempt_duration_seconds_count', delivered)).toBe(1);
    expect(metrics.value('tributary_delivery_attempt_duration_seconds_bucket', { ...delivered, le: '+Inf' })).toBe(1);
    expect(metrics.value('tributary_delivery_attempt_duration_seconds_sum', delivered)).toBeGreaterThan(0);
    // Cumulative buckets: never decreasing, ending at the count.
    const buckets = metrics.all('tributary_delivery_attempt_duration_seconds_bucket', delivered).map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    const latency = { destination_type: 'webhook' };
    expect(metrics.value('tributary_delivery_latency_seconds_count', latency)).toBe(1);
    expect(metrics.value('tributary_delivery_latency_seconds_sum', latency)).toBeGreaterThan(0);

    // HTTP requests: the route pattern, never the URL with its ids.
    const created201 = { method: 'POST', route: '/v2/destinations', status: '201' };
    expect(metrics.value('tributary_http_requests_total', created201)).toBe(1);
    expect(metrics.value('tributary_http_requests_total', { method: 'GET', route: '/v2/destinations/:id' })).toBe(1);
    expect(
      metrics.value('tributary_http_request_duration_seconds_count', { method: 'POST', route: '/v2/destinations' }),
    ).toBe(1);
    // Hostile by default: no developer, user, destination or event id in any label.
    const values = labelValues(metrics).join('\n');
    for (const id of [t.devId, user.userId, destinationId]) expect(values).not.toContain(id);
    expect(metrics.all('tributary_http_requests_total').every((s) => !s.labels.route!.includes('dst_'))).toBe(true);

    // Scrape-time figures: queue depth per queue, outbox and delivery lag, process figures.
    expect(metrics.types.get('tributary_queue_depth')).toBe('gauge');
    expect(metrics.value('tributary_queue_depth', { queue: 'deliveries' })).toBeGreaterThanOrEqual(0);
    expect(metrics.value('tributary_queue_depth', { queue: 'provider-notifications' })).toBe(0);
    expect(metrics.value('tributary_outbox_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(metrics.value('tributary_delivery_due_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(new Set(metrics.samples.map((s) => s.labels.role))).toEqual(new Set(['api+worker']));
    if (engine === 'postgres') {
      expect(metrics.value('tributary_store_pool_connections', { state: 'max' })).toBe(10);
      expect(metrics.value('tributary_store_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(metrics.value('tributary_store_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    } else {
      expect(metrics.all('tributary_store_pool_connections')).toEqual([]);
    }
    expect(metrics.value('tributary_metrics_scrape_errors_total')).toBe(0);
  });

  it('a retried attempt counts as retrying, and the scrape itself is counted on its route', async () => {
    const failing = await startReceiver(() => ({ status: 503 }));
    try {
      const created = await fetch(`${t.url}/v2/destinations`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'webhook', url: failing.url }),
      });
      expect(created.status).toBe(201);
      const user = await t.app.store.users.create(t.devId, {
        provider: 'GARMIN',
        referenceId: 'metrics-retry',
        state: 'connected',
        scopes: 'ACTIVITY_EXPORT',
      });
      await storeRecords(t.app.store, { user, type: 'activity', records: [activity('m2', '2026-01-06T10:00:00Z')] });
      t.app.context.eventsCommitted.notify();
      const metrics = await eventually(async () => {
        const read = await scrape(t.url);
        return (
          read.value('tributary_deliveries_total', { destination_type: 'webhook', outcome: 'retrying' }) === 1 && read
        );
      });
      const retrying = { destination_type: 'webhook', outcome: 'retrying' };
      expect(metrics.value('tributary_delivery_attempt_duration_seconds_count', retrying)).toBe(1);
      expect(
        metrics.value('tributary_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await failing.close();
    }
  });
});

describe('GET /metrics is protected', () => {
  it('without TRIBUTARY_METRICS_TOKEN: direct loopback clients only, never through a proxy', async () => {
    const t = await startTestApp('sqlite', 'metrics-loopback');
    try {
      await scrape(t.url);
      const proxied: Record<string, string>[] = [
        { 'x-forwarded-for': '203.0.113.9' },
        { forwarded: 'for=203.0.113.9' },
      ];
      for (const header of proxied) {
        const response = await fetch(`${t.url}/metrics`, { headers: header });
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({
          code: 'forbidden',
          message: expect.stringContaining('TRIBUTARY_METRICS_TOKEN'),
        });
      }
    } finally {
      await t.close();
    }
  });

  it('with TRIBUTARY_METRICS_TOKEN: a bearer token, checked for every client', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const t = await startTestApp('sqlite', 'metrics-token', { TRIBUTARY_METRICS_TOKEN: token });
    try {
      for (const authorization of [
        undefined,
        'Bearer wrong-token-0123456789abcd',
        `Basic ${token}`,
        `Bearer ${token}x`,
      ]) {
        const response = await fetch(`${t.url}/metrics`, { headers: authorization ? { authorization } : {} });
        expect(response.status, String(authorization)).toBe(401);
        expect(await response.json()).toMatchObject({ code: 'unauthorized' });
      }
      const read = await scrape(t.url, { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' });
      expect(read.types.get('tributary_http_requests_total')).toBe('counter');
    } finally {
      await t.close();
    }
  });

  it('a too-short token stops start-up naming the variable', () => {
    expect(() => loadConfig({ TRIBUTARY_METRICS_TOKEN: 'short' })).toThrow(
      /TRIBUTARY_METRICS_TOKEN: must be at least 16/,
    );
  });
});

describe('every process exposes its own /metrics', () => {
  it('an API-only process shows the outbox lag and overdue polls; a worker-only process serves /metrics and /health only', async () => {
    markEngineUsed('sqlite');
    const config = loadConfig({
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: tempDir(),
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_LOG_LEVEL: 'silent',
    });
    const apiApp: Tributary = await createTributary(config, { worker: false, logger: createLogger('silent') });
    let workerApp: Tributary | undefined;
    try {
      const apiUrl = await apiApp.listen();
      const { developer } = await apiApp.store.developers.create({ name: 'roles' });
      const user = await apiApp.store.users.create(developer.devId, {
        provider: 'IFIT',
        referenceId: 'lag',
        state: 'connected',
        scopes: 'ACTIVITY',
      });
      // A connection whose poll was due a minute ago, and an event nobody dispatches (no worker yet).
      await apiApp.store.connections.save(developer.devId, {
        userId: user.userId,
        provider: 'IFIT',
        credentials: null,
        nextSyncAt: Date.now() - 60_000,
      });
      await storeRecords(apiApp.store, { user, type: 'activity', records: [activity('lag1', '2026-01-05T10:00:00Z')] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const api = await scrape(apiUrl);
      expect(api.value('tributary_outbox_lag_seconds')).toBeGreaterThanOrEqual(0.05);
      expect(api.value('tributary_sync_lag_seconds', { provider: 'IFIT' })).toBeGreaterThanOrEqual(60);
      expect(new Set(api.samples.map((s) => s.labels.role))).toEqual(new Set(['api']));

      workerApp = await createTributary({ ...config, port: 0 }, { api: false, logger: createLogger('silent') });
      const workerUrl = await workerApp.listen();
      const worker = await scrape(workerUrl);
      expect(new Set(worker.samples.map((s) => s.labels.role))).toEqual(new Set(['worker']));
      expect(worker.value('tributary_queue_depth', { queue: 'deliveries' })).toBeGreaterThanOrEqual(0);
      expect((await fetch(`${workerUrl}/health`)).status).toBe(200);
      expect((await fetch(`${workerUrl}/v2/destinations`)).status).toBe(404);
      // The worker dispatches the waiting event: the outbox lag falls back to 0.
      await eventually(async () => (await scrape(workerUrl)).value('tributary_outbox_lag_seconds') === 0);
    } finally {
      await workerApp?.close();
      await apiApp.close();
    }
  });
});

describe('provider polls by outcome', () => {
  let emulator: IfitEmulator;
  let t: TestApp;

  beforeAll(async () => {
    ({ emulator } = await startEmulator());
    t = await startTestApp('sqlite', 'metrics-ifit', ifitEnv(emulator));
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  it('counts successful polls and 429s per provider', async () => {
    const sync = t.app.context.sync as SyncService;
    const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=IFIT', {});
    expect((await submitLogin(json.auth_url, IFIT_LOGIN.username, IFIT_LOGIN.password)).status).toBe(303);
    await sync.syncNow(t.devId, json.user_id);
    const before = await scrape(t.url);
    const ok = before.value('tributary_provider_syncs_total', { provider: 'IFIT', outcome: 'ok' }) ?? 0;
    expect(ok).toBeGreaterThanOrEqual(1);
    // A 429 asking for an hour is not waited for in-line: the poll ends rate-limited.
    emulator.failNext({ path: '/v1/activity_logs' }, { status: 429, headers: { 'retry-after': '3600' } });
    await sync.syncNow(t.devId, json.user_id);
    const after = await scrape(t.url);
    expect(after.value('tributary_provider_syncs_total', { provider: 'IFIT', outcome: 'rate_limited' })).toBe(1);
    expect(after.value('tributary_provider_syncs_total', { provider: 'IFIT', outcome: 'ok' })).toBe(ok);
    // The connection waits for the provider's hour: it is not overdue.
    expect(after.value('tributary_sync_lag_seconds', { provider: 'IFIT' })).toBe(0);
    expect(labelValues(after).join('\n')).not.toContain(json.user_id);
  });
});
