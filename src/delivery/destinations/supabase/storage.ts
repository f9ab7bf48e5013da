import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedAgents } from '../network-guard.ts';
import { shownBody } from '../ssrf.ts';

/**
 * The three Supabase Storage REST calls the destination makes (GET/POST bucket, upsert an
 * object), with the service-role key in both `apikey` and `Authorization` as Supabase's
 * gateway expects. Failures carry the HTTP status so delivery can tell transient from permanent.
 */
export const BUCKET = 'terra-payloads';

function unreachable(url: string, error: Error, timeoutMs: number): StorageError {
  const reason = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error.message;
  return Object.assign(new StorageError(`could not reach ${url}: ${reason}`, null), { cause: error });
}

export class StorageError extends Error {
  readonly status: number | null;
  /** The server's answer, for decisions only (never shown unless it came from a public address). */
  readonly body: string;
  constructor(message: string, status: number | null, body = '') {
    super(message);
    this.name = 'StorageError';
    this.status = status;
    this.body = body;
  }
}

export interface StorageClient {
  ensureBucket(): Promise<void>;
  upload(path: string, json: string): Promise<void>;
}

/** The little of a fetch Response the calls below read. */
interface StorageResponse {
  ok: boolean;
  status: number;
  /** The address the answer came from. */
  peer: string | undefined;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * `guarded`: the SSRF guard — sockets check the address they connect to (agents from
 * network-guard.ts). Redirects are never followed either way: a 3xx is an answer, not a hop
 * to wherever the server points (an internal address).
 */
export function storageClient(url: string, key: string, timeoutMs: number, guarded = false): StorageClient {
  const headers = { apikey: key, authorization: `Bearer ${key}` };
  const agents = guarded ? guardedAgents() : undefined;
  const call = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    new Promise<StorageResponse>((resolve, reject) => {
      const target = new URL(`${url}/storage/v1/${path}`);
      const secure = target.protocol === 'https:';
      const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method,
          headers: { ...headers, ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          ...(agents ? { agent: secure ? agents.httpsAgent : agents.httpAgent } : {}),
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            // An error body is only ever read for a short message.
            if (size < 64 * 1024) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('error', (error) => reject(unreachable(url, error, timeoutMs)));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              ok: status >= 200 && status < 300,
              status,
              peer: response.socket?.remoteAddress,
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            });
          });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
      request.on('error', (error) => reject(unreachable(url, error, timeoutMs)));
      request.end(body);
    });
  const fail = async (response: StorageResponse, what: string) => {
    const text = await response.text().catch(() => '');
    const hint =
      response.status === 401 || response.status === 403
        ? ' (is service_role_key the service_role key of this project?)'
        : '';
    const shown = text ? ` ${shownBody(text.slice(0, 300), response.peer)}` : '';
    return new StorageError(`${what}: HTTP ${response.status}${shown}${hint}`, response.status, text);
  };
  let bucketReady: Promise<void> | null = null;
  return {
    ensureBucket() {
      bucketReady ??= (async () => {
        const found = await call('GET', `bucket/${BUCKET}`);
        if (found.ok) return;
        // Storage answers a missing bucket with 404, or 400 carrying statusCode "404" (older versions).
        const body = (await found.json().catch(() => ({}))) as { statusCode?: unknown; error?: unknown };
        if (
          found.status !== 404 &&
          !(found.status === 400 && (body.statusCode === '404' || body.error === 'Bucket not found'))
        ) {
          throw failFromBody(found.status, body, `reading bucket ${BUCKET}`, found.peer);
        }
        const created = await call('POST', 'bucket', {
          body: JSON.stringify({ id: BUCKET, name: BUCKET, public: false }),
          headers: { 'content-type': 'application/json' },
        });
        // 409: created meanwhile by another worker.
        if (!created.ok && created.status !== 409) throw await fail(created, `creating bucket ${BUCKET}`);
      })().catch((error: unknown) => {
        bucketReady = null;
        throw error;
      });
      return bucketReady;
    },
    async upload(path, json) {
      const encoded = path.split('/').map(encodeURIComponent).join('/');
      const response = await call('POST', `object/${BUCKET}/${encoded}`, {
        body: json,
        headers: { 'content-type': 'application/json', 'x-upsert': 'true', 'cache-control': 'no-cache' },
      });
      if (!response.ok) {
        const error = await fail(response, `uploading ${BUCKET}/${path}`);
        // The bucket was deleted after we saw it: look for it (and recreate it) on the next attempt.
        if (/Bucket not found/.test(error.body)) {
          bucketReady = null;
          throw new StorageError(error.message, 404);
        }
        throw error;
      }
    },
  };
}

function failFromBody(status: number, body: unknown, what: string, peer: string | undefined): StorageError {
  const hint = status === 401 || status === 403 ? ' (is service_role_key the service_role key of this project?)' : '';
  const text = JSON.stringify(body);
  return new StorageError(`${what}: HTTP ${status} ${shownBody(text.slice(0, 300), peer)}${hint}`, status, text);
}

/** Client errors other than auth/rate limits will not change on retry (e.g. 413 too large, 400 invalid name). */
export function storageErrorIsPermanent(error: unknown): boolean {
  if (!(error instanceof StorageError) || error.status === null) return false;
  return error.status >= 400 && error.status < 500 && ![401, 403, 404, 408, 409, 429].includes(error.status);
}
