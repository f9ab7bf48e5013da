import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.ts';

/** The least a request body must bring per `bodyTimeoutMs` window while the server waits for it. */
export const MIN_BODY_BYTES_PER_WINDOW = 1024;

/**
 * Socket and request limits of the HTTP server (Fastify/Node options): the whole request must
 * arrive within `requestTimeoutMs` (checked every few seconds, not Node's 30 s), headers within
 * 30 s, an idle keep-alive socket is closed after 5 s and any silent socket after 5 minutes.
 */
export function serverTimeouts(config: Config) {
  return {
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 5 * 60_000,
    keepAliveTimeout: 5_000,
    // Idle keep-alive sockets close at once on shutdown; busy ones get the grace period (app.ts).
    forceCloseConnections: 'idle' as const,
    http: {
      headersTimeout: Math.min(30_000, config.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(config.requestTimeoutMs / 4))),
    },
  };
}

/**
 * A body trickled in (one byte every few seconds) would hold its socket, and a shutdown, for
 * as long as the request timeout allows: while Fastify reads a body for the handler, at least
 * MIN_BODY_BYTES_PER_WINDOW must arrive per window, or the socket gets a 408 and is closed.
 * Streamed bodies (multipart) are read by the handler at its own pace and are left to the
 * request timeout: the guard ends when the handler starts.
 */
export function guardBodyRate(app: FastifyInstance, config: Config): void {
  const guards = new WeakMap<FastifyRequest, () => void>();
  app.addHook('onRequest', async (request) => {
    if (!expectsBody(request)) return;
    const raw = request.raw;
    const socket = raw.socket;
    let last = socket.bytesRead;
    const timer = setInterval(() => {
      if (raw.complete) return stop();
      const now = socket.bytesRead;
      if (now - last < MIN_BODY_BYTES_PER_WINDOW) {
        stop();
        const body = JSON.stringify({
          status: 'error',
          code: 'request_timeout',
          message: `the request body arrived slower than ${MIN_BODY_BYTES_PER_WINDOW} bytes per ${config.bodyTimeoutMs} ms`,
        });
        socket.end(
          `HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        socket.destroySoon();
      }
      last = now;
    }, config.bodyTimeoutMs);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      guards.delete(request);
    };
    guards.set(request, stop);
    raw.once('end', stop);
    raw.once('close', stop);
  });
  const release = async (request: FastifyRequest) => guards.get(request)?.();
  app.addHook('preHandler', release);
  app.addHook('onResponse', release);
}

function expectsBody(request: FastifyRequest): boolean {
  if (request.raw.complete) return false;
  const length = Number(request.headers['content-length'] ?? 0);
  return length > 0 || request.headers['transfer-encoding'] !== undefined;
}
