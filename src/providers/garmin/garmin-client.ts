import { TributaryError } from '../../core/errors.ts';

export interface GarminClientOptions {
  baseUrl: string;
  timeoutMs?: number;
}

/**
 * HTTP client for Garmin's user endpoints and backfill (`/wellness-api/rest/*`), transport
 * only: Bearer auth, Garmin's `{"errorMessage"}` bodies, and failures as TributaryErrors —
 * 401 `provider_auth_failed` (`access_token_rejected`: ingest refreshes once and retries),
 * 429 `rate_limited` with `Retry-After` (Garmin documents none: 60 s then), other statuses
 * `provider_error` with the status (403: consent withdrawn or a permission missing;
 * 409: a duplicate backfill; 412: the user switched that summary type off).
 */
export class GarminClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(options: GarminClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request(
    accessToken: string,
    method: 'GET' | 'DELETE',
    path: string,
    query: Record<string, string> = {},
  ): Promise<{ status: number; value: unknown }> {
    const url = new URL(this.#baseUrl + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TributaryError('provider_error', `Garmin could not be reached (${describe(error)})`, {
        provider: 'GARMIN',
      });
    }
    const text = await response.text();
    let value: unknown;
    try {
      value = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      value = undefined;
    }
    if (response.ok) return { status: response.status, value };
    const message =
      value && typeof value === 'object' && typeof (value as { errorMessage?: unknown }).errorMessage === 'string'
        ? (value as { errorMessage: string }).errorMessage
        : undefined;
    if (response.status === 401)
      throw new TributaryError('provider_auth_failed', 'Garmin rejected the access token', {
        provider: 'GARMIN',
        reason: 'access_token_rejected',
      });
    if (response.status === 429) {
      const retry = Number(response.headers.get('retry-after'));
      throw new TributaryError('rate_limited', 'Garmin rate limit hit', {
        provider: 'GARMIN',
        retry_after_seconds: Number.isFinite(retry) && retry > 0 ? retry : 60,
      });
    }
    throw new TributaryError(
      'provider_error',
      `Garmin answered ${method} ${path} with ${response.status}${message ? `: ${message}` : ''}`,
      { provider: 'GARMIN', status: response.status },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}
