import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from './eventually.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const BACKLOG = 1000;
const RECEIVER_LATENCY_MS = 200;

/** A receiver on 127.0.0.1 that accepts every request and never answers (each attempt runs into its timeout). */
async function startBlackHole(): Promise<{
  url: string;
  requests: () => number;
  /** Requests whose connection has closed (the attempt gave up). */
  ended: () => number;
  maxOpen: () => number;
  close(): Promise<void>;
}> {
  let requests = 0;
  let open = 0;
  let maxOpen = 0;
  let ended = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request) => {
    requests++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    request.socket.once('close', () => {
      open--;
      ended++;
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests: () => requests,
    ended: () => ended,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Issue 10, item 6: one global FIFO and shared worker slots let one tenant's black-hole endpoint
 * stall everyone. With a per-destination cap on queued deliveries, a tenant whose endpoint
 * never answers and who has 1,000 events waiting does not delay another tenant's delivery:
 * it is delivered while every attempt to the black hole still hangs (each would last 10 min,
 * longer than the test may run), not after they gave up. No wall-clock figure is asserted.
 */
const HOLE_TIMEOUT_MS = 600_000;
describe.each(ENGINES)('fair delivery across tenants on %s', (engine) => {
  let t: TestApp | undefined;
  let hole: Awaited<ReturnType<typeof startBlackHole>> | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await hole?.close();
    await receiver?.close();
    await t?.close();
  });

  it('a black-hole backlog of one tenant does not hold up another tenant’s delivery', async () => {
    hole = await startBlackHole();
    receiver = await startReceiver(() => ({ delayMs: RECEIVER_LATENCY_MS }));
    t = await startTestApp(engine, 'fairness', { TRIBUTARY_WEBHOOK_TIMEOUT_MS: String(HOLE_TIMEOUT_MS) });
    const app = t.app;
    const other = await t.otherDeveloper();
    const destination = async (headers: Record<string, string>, url: string) => {
      const response = await fetch(`${t!.url}/v2/destinations`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'webhook', url }),
      });
      expect(response.status).toBe(201);
    };
    await destination(t.headers, hole.url);
    await destination(other.headers, receiver.url);

    // Tenant A: 1,000 events for the endpoint that never answers.
    const slow = await app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < BACKLOG; i++)
        await tx.events.insert(t!.devId, {
          type: 'activity',
          userId: slow.userId,
          payload: { type: 'activity', user: { user_id: slow.userId }, data: [{ n: i }] },
        });
    });
    app.context.eventsCommitted.notify();
    await eventually(
      async () => (await app.store.events.undispatched(1)).length === 0 && hole!.requests() > 0,
      120_000,
      'the backlog dispatched and its first attempts hanging',
    );

    // Tenant B: one event, to a receiver answering in RECEIVER_LATENCY_MS.
    const fast = await app.store.users.create(other.devId, { provider: 'UPLOAD', state: 'connected' });
    const event = await app.store.events.insert(other.devId, {
      type: 'activity',
      userId: fast.userId,
      payload: { type: 'activity', user: { user_id: fast.userId }, data: [] },
    });
    app.context.eventsCommitted.notify();
    const delivered = await eventually(
      async () => {
        const [delivery] = (await app.store.deliveries.list(other.devId, { eventId: event.eventId, limit: 1 }))
          .deliveries;
        return delivery?.status === 'delivered' && delivery;
      },
      60_000,
      'the other tenant’s delivery',
    );
    const tookMs = Date.parse(delivered.deliveredAt!) - event.createdMs;
    console.log(
      `fairness (${engine}): other tenant delivered ${tookMs} ms after its event (receiver latency ${RECEIVER_LATENCY_MS} ms); black hole held up to ${hole.maxOpen()} attempts at once`,
    );
    // Not held up: no attempt to the black hole had ended (timed out) when it was delivered.
    expect(hole.ended()).toBe(0);
    // The black-hole tenant holds at most its destination's cap (8 by default) of attempts at once.
    expect(hole.maxOpen()).toBeLessThanOrEqual(8);
  }, 240_000);
});
