/**
 * A small reference client for Tributary's Apple Health SDK endpoints, in plain TypeScript
 * (fetch only, no dependencies): what an app's backend and a phone-side sync layer (React
 * Native, or a Node test harness) call. Swift/Kotlin ports map one to one.
 *
 *   // backend (holds the API key)
 *   const { token } = await generateAuthToken({ baseUrl, devId, apiKey });
 *   // phone
 *   const client = await AppleSdkClient.connect({ baseUrl, token, referenceId: 'user-42' });
 *   await client.upload({ quantity_samples: [...], category_samples: [...], workouts: [...] });
 */
import type { z } from 'zod/v4';
import type { BatchSchema } from '../batch.ts';

/** A batch as the client sends it (see schema/apple-batch.schema.json). */
export type AppleBatchInput = z.input<typeof BatchSchema>;

export interface BatchResult {
  status: 'success';
  accepted: number;
  duplicates: number;
  ignored: number;
  deleted: number;
  workouts: number;
  days_recomputed: number;
  changed: Record<string, number>;
  events: number;
}

export class TributaryApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const message = typeof body === 'object' && body && 'message' in body ? String(body.message) : `HTTP ${status}`;
    super(message);
    this.name = 'TributaryApiError';
    this.status = status;
    this.body = body;
  }
}

type Fetch = typeof fetch;

/** Backend side: a short-lived, single-use token for one phone (needs the developer's API key). */
export async function generateAuthToken(options: {
  baseUrl: string;
  devId: string;
  apiKey: string;
  fetch?: Fetch;
}): Promise<{ token: string; expires_in: number }> {
  const response = await (options.fetch ?? fetch)(`${trim(options.baseUrl)}/v2/auth/generateAuthToken`, {
    method: 'POST',
    headers: { 'dev-id': options.devId, 'x-api-key': options.apiKey },
  });
  return (await parse(response)) as { token: string; expires_in: number };
}

export interface AppleSdkClientOptions {
  baseUrl: string;
  userId: string;
  sdkSecret: string;
  fetch?: Fetch;
  /** Items (samples + workouts + summaries + deletions) per request; larger batches are split. Default 5000. */
  maxItemsPerRequest?: number;
  /** Retries of a request that failed with a network error or a 5xx (4xx are never retried). Default 3. */
  retries?: number;
}

const ARRAYS = ['quantity_samples', 'category_samples', 'workouts', 'activity_summaries', 'deleted'] as const;

export class AppleSdkClient {
  readonly userId: string;
  readonly #options: Required<Omit<AppleSdkClientOptions, 'fetch'>> & { fetch: Fetch };

  constructor(options: AppleSdkClientOptions) {
    this.userId = options.userId;
    this.#options = {
      maxItemsPerRequest: 5000,
      retries: 3,
      ...options,
      fetch: options.fetch ?? fetch,
      baseUrl: trim(options.baseUrl),
    };
  }

  /** Phone side: exchanges the token for a user; keep `userId` and `sdkSecret` in the keychain. */
  static async connect(options: {
    baseUrl: string;
    token: string;
    referenceId?: string;
    fetch?: Fetch;
  }): Promise<AppleSdkClient & { sdkSecret: string }> {
    const response = await (options.fetch ?? fetch)(`${trim(options.baseUrl)}/v2/sdk/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(options.referenceId === undefined ? {} : { reference_id: options.referenceId }),
    });
    const body = (await parse(response)) as { user_id: string; sdk_secret: string };
    const client = new AppleSdkClient({
      baseUrl: options.baseUrl,
      userId: body.user_id,
      sdkSecret: body.sdk_secret,
      fetch: options.fetch,
    });
    return Object.assign(client, { sdkSecret: body.sdk_secret });
  }

  /**
   * Uploads a batch, split into requests of at most `maxItemsPerRequest` items. Safe to call
   * again with the same samples (after a crash or a timeout): the server skips known UUIDs.
   * Returns the summed result of every request.
   */
  async upload(batch: AppleBatchInput): Promise<BatchResult> {
    const total: BatchResult = {
      status: 'success',
      accepted: 0,
      duplicates: 0,
      ignored: 0,
      deleted: 0,
      workouts: 0,
      days_recomputed: 0,
      changed: {},
      events: 0,
    };
    for (const part of split(batch, this.#options.maxItemsPerRequest)) {
      const result = await this.#send(part);
      for (const key of [
        'accepted',
        'duplicates',
        'ignored',
        'deleted',
        'workouts',
        'days_recomputed',
        'events',
      ] as const)
        total[key] += result[key];
      for (const [type, n] of Object.entries(result.changed)) total.changed[type] = (total.changed[type] ?? 0) + n;
    }
    return total;
  }

  /** Tells the server samples were deleted on the phone (HKAnchoredObjectQuery's deletedObjects). */
  delete(uuids: string[]): Promise<BatchResult> {
    return this.upload({ deleted: uuids });
  }

  async #send(batch: AppleBatchInput): Promise<BatchResult> {
    const url = `${this.#options.baseUrl}/v2/sdk/users/${encodeURIComponent(this.userId)}/samples`;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#options.fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.#options.sdkSecret}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch),
        });
        if (response.status >= 500 && attempt < this.#options.retries) {
          await sleep(backoff(attempt));
          continue;
        }
        return (await parse(response)) as BatchResult;
      } catch (error) {
        if (error instanceof TributaryApiError || attempt >= this.#options.retries) throw error;
        await sleep(backoff(attempt));
      }
    }
  }
}

/** Splits a batch into parts of at most `max` items, keeping each array's order. */
export function split(batch: AppleBatchInput, max: number): AppleBatchInput[] {
  const parts: AppleBatchInput[] = [];
  let current: Record<string, unknown[]> = {};
  let size = 0;
  for (const key of ARRAYS) {
    for (const item of (batch[key] ?? []) as unknown[]) {
      if (size === max) {
        parts.push(current);
        current = {};
        size = 0;
      }
      (current[key] ??= []).push(item);
      size++;
    }
  }
  if (size > 0 || parts.length === 0) parts.push(current);
  return parts;
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  if (!response.ok) throw new TributaryApiError(response.status, body);
  return body;
}

const trim = (url: string) => url.replace(/\/+$/, '');
const backoff = (attempt: number) => Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
