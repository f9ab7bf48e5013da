import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { activity } from '../api/records.ts';
import { markEngineUsed, TEST_KEY, tempDir, testBox } from '../helpers/engines.ts';
import { eventually } from './eventually.ts';
import { spawnServer, type ServerProcess } from './processes.ts';

/**
 * Issue 10 item 1: a receiver that answers 403 with keep-alive before reading the body,
 * then resets the connection while a large body is still being written. On the keep-alive
 * socket that used to surface as an EPIPE/ECONNRESET with no listener: the process died,
 * and every retry killed it again.
 */
async function startHostileReceiver(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits++;
    response.writeHead(403, { connection: 'keep-alive', 'content-length': '9' });
    response.end('forbidden');
    request.socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An activity whose event is about 5 MB (heart-rate samples, one a second). */
function bigActivity(): Record<string, unknown> {
  const record = activity('big-1', '2026-01-05T10:00:00Z', 24 * 60);
  const startMs = Date.parse('2026-01-05T10:00:00Z');
  (record.heart_rate_data as { detailed: { hr_samples: unknown[] } }).detailed.hr_samples = Array.from(
    { length: 80_000 },
    (_, i) => ({ timestamp: new Date(startMs + i * 1000).toISOString(), bpm: 100 + (i % 60) }),
  );
  return record;
}

describe('a hostile webhook receiver (embedded store, real server process)', () => {
  let server: ServerProcess | undefined;
  let store: Store | undefined;
  let receiver: Awaited<ReturnType<typeof startHostileReceiver>> | undefined;

  afterEach(async () => {
    await server?.kill();
    await store?.close();
    await receiver?.close();
  });

  it('answering early and resetting mid-body on a 5 MB event: the server stays alive and records failed attempts', async () => {
    markEngineUsed('sqlite');
    const dir = tempDir();
    const devId = 'dev-hostile';
    const apiKey = 'h'.repeat(32);
    receiver = await startHostileReceiver();
    server = await spawnServer([], {
      TRIBUTARY_DATA_DIR: dir,
      TRIBUTARY_PORT: '0',
      TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
      TRIBUTARY_BOOTSTRAP_DEV_ID: devId,
      TRIBUTARY_BOOTSTRAP_API_KEY: apiKey,
      TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.2,0.2',
    });
    const headers = { 'dev-id': devId, 'x-api-key': apiKey, 'content-type': 'application/json' };
    const created = await fetch(`${server.url}/v2/destinations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    });
    expect(created.status).toBe(201);

    store = await openStore({ sqliteFile: join(dir, 'tributary.db'), box: testBox() });
    const user = await store.users.create(devId, { provider: 'GARMIN', state: 'connected', scopes: 'ACTIVITY_EXPORT' });
    await storeRecords(store, { user, type: 'activity', records: [bigActivity()] });

    // Three attempts (first + two retries), each met by the same hostile answer.
    const delivery = await eventually(
      async () => {
        const list = (await (await fetch(`${server!.url}/v2/deliveries?status=failed`, { headers })).json()) as {
          deliveries: Array<{ id: string; event_type: string; attempts: number }>;
        };
        return list.deliveries.find((d) => d.event_type === 'activity');
      },
      90_000,
      'the activity delivery to end as failed',
    );
    expect(delivery.attempts).toBe(3);
    const detail = (await (await fetch(`${server.url}/v2/deliveries/${delivery.id}`, { headers })).json()) as {
      attempt_log: Array<{ status_code: number | null; error: string | null }>;
    };
    expect(detail.attempt_log, JSON.stringify(detail)).toHaveLength(3);
    for (const attempt of detail.attempt_log) expect(attempt.error).toMatch(/403|ECONNRESET|EPIPE|network error/);
    expect(receiver.hits()).toBeGreaterThanOrEqual(3);

    // Same process, still serving.
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 150_000);
});
