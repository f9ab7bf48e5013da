import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { DeliveryOutcome } from '../destination.ts';
import { isIP } from 'node:net';
import { BlockedAddressError, guardedLookup, isPublicAddress, shownBody } from '../ssrf.ts';

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  guardedHttp: new http.Agent({ keepAlive: true, maxSockets: 256, lookup: guardedLookup }),
  guardedHttps: new https.Agent({ keepAlive: true, maxSockets: 256, lookup: guardedLookup }),
};

/** Marks a pooled socket that already carries our error listener (sockets are reused). */
const GUARDED = Symbol('tributary.socketGuarded');

/**
 * A keep-alive socket outlives the request that opened it: a receiver that answers early,
 * then resets the connection while the body is still being written, makes the socket emit
 * EPIPE/ECONNRESET after the request has let go of it. With no listener, Node turns that
 * into an uncaught exception that ends the process; this listener keeps it a socket matter
 * (the request's own `error`/`close` still settle the attempt).
 */
function guardSocket(socket: Socket): void {
  const marked = socket as Socket & { [GUARDED]?: true };
  if (marked[GUARDED]) return;
  marked[GUARDED] = true;
  socket.on('error', () => undefined);
}

/** At most this much of an error response body is kept in `last_error`. */
const MAX_ERROR_BODY = 512;

/**
 * One POST attempt, turned into a typed outcome: 2xx is success; a timeout, a network
 * error or any other status is retryable (Terra retries every non-2xx). Never throws.
 */
export function postOnce(input: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}): Promise<DeliveryOutcome> {
  const { url } = input;
  const secure = url.protocol === 'https:';
  const agent = input.allowPrivateNetworks
    ? secure
      ? agents.https
      : agents.http
    : secure
      ? agents.guardedHttps
      : agents.guardedHttp;
  const payload = Buffer.from(input.body, 'utf8');
  // Sockets skip `lookup` for IP literals, so those are checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!input.allowPrivateNetworks && isIP(literal) && !isPublicAddress(literal)) {
    // Permanent: the target will not move (a retry would be refused ten times over).
    return Promise.resolve({ ok: false, retryable: false, error: new BlockedAddressError(literal, literal).message });
  }
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...input.headers, 'content-length': String(payload.length), 'user-agent': 'Tributary-Webhooks/1' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < MAX_ERROR_BODY) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        response.on('error', (error) =>
          finish({ ok: false, retryable: true, statusCode: status, error: `response aborted: ${error.message}` }),
        );
        response.on('end', () => {
          // An answer that came before the whole body was written leaves the socket mid-request:
          // never hand it back to the pool (the next POST would write into a dead connection).
          if (!request.writableFinished) request.destroy();
          if (status >= 200 && status < 300) return finish({ ok: true, statusCode: status });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY).trim();
          finish({
            ok: false,
            retryable: true,
            statusCode: status,
            error: `HTTP ${status}${text ? `: ${shownBody(text, response.socket?.remoteAddress)}` : ''}`,
            ...retryAfter(response.headers['retry-after']),
          });
        });
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, retryable: true, error: `timed out after ${input.timeoutMs} ms` });
      request.destroy();
    }, input.timeoutMs);
    request.on('socket', guardSocket);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const blocked = error instanceof BlockedAddressError;
      finish({
        ok: false,
        retryable: !blocked,
        error: blocked ? error.message : `network error: ${error.code ?? ''} ${error.message}`.trim(),
      });
    });
    request.end(payload);
  });
}

/** Retry-After as seconds or an HTTP date. */
export function retryAfter(value: string | string[] | undefined, now = Date.now()): { retryAfterMs?: number } {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return {};
  if (/^\d+$/.test(text.trim())) return { retryAfterMs: Number(text.trim()) * 1000 };
  const at = Date.parse(text);
  return Number.isNaN(at) ? {} : { retryAfterMs: Math.max(0, at - now) };
}
