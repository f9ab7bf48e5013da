import { TributaryError } from '../../core/errors.ts';

/** A payload with the exact text it was parsed from (stored verbatim as the raw record). */
export interface Fetched<T> {
  value: T;
  text: string;
}

export interface WhoopClientOptions {
  /** WHOOP's API root, `https://api.prod.whoop.com/developer` (paths start with `/v2/`). */
  baseUrl: string;
  timeoutMs?: number;
}

/**
 * HTTP client for WHOOP's developer API v2, transport only: Bearer auth, and failures as
 * TributaryErrors — 401 `provider_auth_failed` (`access_token_rejected`: ingest refreshes
 * once and retries), 429 `rate_limited` with `Retry-After` (else `X-RateLimit-Reset`), other
 * statuses `provider_error` with the status (404: the object is gone).
 */
export class WhoopClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(options: WhoopClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** GET a path under the API with the user's token; the body parsed as JSON, with its text. */
  async get(accessToken: string, path: string, query: Record<string, string> = {}): Promise<Fetched<unknown>> {
    const url = new URL(this.#baseUrl + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await this.#send(url, 'GET', accessToken);
    const text = await response.text();
    if (response.ok) {
      try {
        return { value: JSON.parse(text) as unknown, text };
      } catch {
        throw new TributaryError('provider_error', `WHOOP answered ${path} with a body that is not JSON`, {
          provider: 'WHOOP',
          status: response.status,
        });
      }
    }
    throw failure(response, path);
  }

  /** `DELETE /v2/user/access`: revokes the user's grant (WHOOP answers 204 and stops their webhooks). */
  async revoke(accessToken: string): Promise<void> {
    const path = '/v2/user/access';
    const response = await this.#send(new URL(this.#baseUrl + path), 'DELETE', accessToken);
    await response.arrayBuffer();
    if (!response.ok) throw failure(response, path);
  }

  async #send(url: URL, method: string, accessToken: string): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TributaryError('provider_error', `WHOOP could not be reached (${describe(error)})`, {
        provider: 'WHOOP',
      });
    }
  }
}

function failure(response: Response, path: string): TributaryError {
  if (response.status === 401)
    return new TributaryError('provider_auth_failed', 'WHOOP rejected the access token', {
      provider: 'WHOOP',
      reason: 'access_token_rejected',
    });
  if (response.status === 429) {
    const retry = Number(response.headers.get('retry-after') ?? response.headers.get('x-ratelimit-reset'));
    return new TributaryError('rate_limited', 'WHOOP rate limit hit', {
      provider: 'WHOOP',
      retry_after_seconds: Number.isFinite(retry) && retry > 0 ? retry : 60,
    });
  }
  return new TributaryError('provider_error', `WHOOP answered ${path} with ${response.status}`, {
    provider: 'WHOOP',
    status: response.status,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}
