import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BullmqQueue } from '../../src/queue/bullmq.ts';
import { openStore } from '../../src/store/index.ts';
import { openPostgres } from '../../src/store/postgres/postgres-driver.ts';
import { TEST_DATABASE_URL, testBox } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { startTcpProxy, type TcpProxy } from '../destinations/tcp-proxy.ts';

/** Issue 10, item 8: request/body limits, shutdown deadline, database and Redis timeouts, health. */

const REDIS_URL = process.env.TRIBUTARY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Opens a raw HTTP request that announces `length` body bytes, sends `first`, then calls `trickle` to dribble more. */
function openRequest(url: string, path: string, headers: Record<string, string>, length: number) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
  const head = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`, `content-length: ${length}`];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  socket.write(head.join('\r\n') + '\r\n\r\n');
  const trickle = setInterval(() => socket.writable && socket.write('['), 300);
  return {
    socket,
    closed: closed.finally(() => clearInterval(trickle)),
    stop: () => {
      clearInterval(trickle);
      socket.destroy();
    },
  };
}

/** Rejects when `promise` takes longer than `ms` (only a failing run waits that long). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)),
  ]);
}

describe('HTTP limits', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
  });

  it('a body trickled in (a byte every 300 ms) gets a 408 and its socket closed', async () => {
    const t = await startTestApp('sqlite', 'slow-body', { TRIBUTARY_BODY_TIMEOUT_MS: '1000' });
    apps.push(t);
    const slow = openRequest(
      t.url,
      '/v2/auth/authenticateUser?resource=UPLOAD',
      {
        ...t.headers,
        'content-type': 'application/json',
      },
      1_000_000,
    );
    const answer = await within(slow.closed, 20_000, 'the trickled request');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toMatch(/slower than 1024 bytes per 1000 ms/);
  });

  it('a streamed (multipart) upload that never finishes is cut at the request timeout', async () => {
    const t = await startTestApp('sqlite', 'request-timeout', {
      TRIBUTARY_REQUEST_TIMEOUT_MS: '1500',
      TRIBUTARY_BODY_TIMEOUT_MS: '60000',
    });
    apps.push(t);
    const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    const { user_id } = (await response.json()) as { user_id: string };
    const slow = openRequest(
      t.url,
      `/v2/files?user_id=${user_id}`,
      {
        ...t.headers,
        'content-type': 'multipart/form-data; boundary=xyz',
      },
      1_000_000,
    );
    const started = Date.now();
    const answer = await within(slow.closed, 30_000, 'the endless upload');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(answer === '' || /^HTTP\/1\.1 (408|400|413)/.test(answer)).toBe(true);
  });

  it('shutdown does not wait for a request that never ends: connections are closed after half the deadline', async () => {
    // The request would last the 10 min body timeout: a close that waited for it could not
    // finish within the test's wait below.
    const t = await startTestApp('sqlite', 'shutdown', {
      TRIBUTARY_SHUTDOWN_TIMEOUT_MS: '1000',
      TRIBUTARY_BODY_TIMEOUT_MS: '600000',
    });
    const slow = openRequest(
      t.url,
      '/v2/auth/authenticateUser',
      { ...t.headers, 'content-type': 'application/json' },
      1_000_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await within(t.close(), 120_000, 'app.close()');
    await within(slow.closed, 60_000, 'the cut connection');
    slow.stop();
  }, 240_000);
});

describe('PostgreSQL timeouts', () => {
  let silent: Server | undefined;
  const held: Socket[] = [];
  afterEach(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
    silent = undefined;
  });

  it('a statement running past statement_timeout fails with 57014 instead of holding a connection', async () => {
    const db = await openPostgres({ url: TEST_DATABASE_URL, statementTimeoutMs: 300 });
    try {
      await expect(db.get('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.close();
    }
  });

  it('a server that accepts and never answers fails the connect within the connect timeout', async () => {
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const opening = openStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectTimeoutMs: 500,
      box: testBox(),
    });
    await expect(within(opening, 20_000, 'openStore')).rejects.toThrow(/timeout/i);
  });
});

describe('Redis outage and /health', () => {
  let proxy: TcpProxy | undefined;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('a BullMQ add while Redis is unreachable fails fast instead of hanging', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const queue = new BullmqQueue({
      name: 'outage',
      url: `redis://127.0.0.1:${port}`,
      leaseMs: 5000,
      prefix: 'outage',
    });
    try {
      await expect(within(queue.add([{ id: 'a', data: {} }]), 20_000, 'add')).rejects.toThrow();
      await expect(within(queue.ping(), 20_000, 'ping')).rejects.toThrow();
    } finally {
      await queue.close();
    }
  });

  it('/health reports store and queue; /health/ready is 503 while Redis is down and 200 again after', async () => {
    const redisPort = Number(new URL(REDIS_URL).port || 6379);
    proxy = await startTcpProxy(redisPort, new URL(REDIS_URL).hostname);
    t = await startTestApp('sqlite', 'health', {
      TRIBUTARY_QUEUE_URL: `redis://127.0.0.1:${proxy.port}`,
      TRIBUTARY_QUEUE_PREFIX: `health${process.pid}`,
    });
    const ready = async () => {
      const response = await fetch(`${t!.url}/health/ready`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await ready()).toEqual({
      status: 200,
      body: { status: 'ok', store: { engine: 'sqlite', status: 'ok' }, queue: { engine: 'bullmq', status: 'ok' } },
    });
    await proxy.down();
    const down = await within(ready(), 20_000, '/health/ready with Redis down');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'degraded', store: { status: 'ok' }, queue: { status: 'down' } });
    const live = await fetch(`${t.url}/health`);
    expect(live.status).toBe(200);
    await proxy.up();
    let again = await ready();
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await ready();
    }
    expect(again.status).toBe(200);
  });
});
