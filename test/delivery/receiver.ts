import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** Path and query of the request. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A real HTTP webhook receiver on 127.0.0.1:0. `respond` decides each answer (status,
 * headers, delay); every request is recorded with its raw body. Tracks how many requests
 * with the same X-Terra-Trace-Id are in flight at once (must never exceed 1).
 */
export async function startReceiver(
  respond: (
    request: Received,
    index: number,
  ) => { status?: number; headers?: Record<string, string>; delayMs?: number } | void = () => undefined,
) {
  const received: Received[] = [];
  const inFlight = new Map<string, number>();
  let maxConcurrentSameTrace = 0;
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const item: Received = {
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const trace = String(req.headers['x-terra-trace-id'] ?? '');
      const now = (inFlight.get(trace) ?? 0) + 1;
      inFlight.set(trace, now);
      maxConcurrentSameTrace = Math.max(maxConcurrentSameTrace, now);
      const answer = respond(item, received.length) ?? {};
      received.push(item);
      const reply = () => {
        inFlight.set(trace, (inFlight.get(trace) ?? 1) - 1);
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
        res.end('ok');
        for (const wake of waiters.splice(0)) wake();
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get maxConcurrentSameTrace() {
      return maxConcurrentSameTrace;
    },
    /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
    async waitFor(predicate: (received: Received[]) => boolean, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} requests received)`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export function bodiesOf(received: Received[]): Array<Record<string, unknown>> {
  return received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
}
