import { TributaryError } from '../../core/errors.ts';

/** A payload with the exact text it was parsed from (stored verbatim as the raw record). */
export interface Fetched<T> {
  value: T;
  text: string;
}

export interface OuraClientOptions {
  baseUrl: string;
  timeoutMs?: number;
}

/**
 * HTTP client for Oura's API v2 (`/v2/usercollection/*`), transport only: Bearer auth,
 * and failures as TributaryErrors — 401 `provider_auth_failed` (`access_token_rejected`,
 * ingest refreshes once and retries), 429 `rate_limited` with Oura's `Retry-After`, other
 * statuses `provider_error` with the status.
 */
export class OuraClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(options: OuraClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** GET a path under the API with the user's token; the body parsed as JSON, with its text. */
  async get(accessToken: string, path: string, query: Record<string, string> = {}): Promise<Fetched<unknown>> {
    const url = new URL(this.#baseUrl + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TributaryError('provider_error', `Oura could not be reached (${describe(error)})`, {
        provider: 'OURA',
      });
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return { value: JSON.parse(text) as unknown, text };
      } catch {
        throw new TributaryError('provider_error', `Oura answered ${path} with a body that is not JSON`, {
          provider: 'OURA',
          status: response.status,
        });
      }
    }
    if (response.status === 401)
      throw new TributaryError('provider_auth_failed', 'Oura rejected the access token', {
        provider: 'OURA',
        reason: 'access_token_rejected',
      });
    if (response.status === 429) {
      const retry = Number(response.headers.get('retry-after'));
      throw new TributaryError('rate_limited', 'Oura rate limit hit', {
        provider: 'OURA',
        retry_after_seconds: Number.isFinite(retry) && retry > 0 ? retry : 60,
      });
    }
    throw new TributaryError('provider_error', `Oura answered ${path} with ${response.status}`, {
      provider: 'OURA',
      status: response.status,
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}
