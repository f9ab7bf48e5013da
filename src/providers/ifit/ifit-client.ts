import { TributaryError } from '../../core/errors.ts';
import {
  activityLogListSchema,
  activityLogSchema,
  meSchema,
  tokenResponseSchema,
  workoutSchema,
  type IfitActivityLog,
  type IfitActivityLogListItem,
  type IfitMe,
  type IfitTokenResponse,
  type IfitWorkout,
} from './ifit-schemas.ts';
import type { z } from 'zod';

export interface IfitClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Retries of a 5xx, a network error or a short 429 before giving up. */
  maxRetries?: number;
  /** First backoff after a 5xx; doubles per retry. */
  retryBaseMs?: number;
  /** A 429 asking to wait longer than this is not waited for in-line: it surfaces as `rate_limited`. */
  maxInlineRetryAfterSeconds?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A parsed payload with the exact text it was parsed from (stored verbatim as the raw record). */
export interface Fetched<T> {
  value: T;
  text: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * HTTP client for iFit's private API (shape: README.md). Knows transport concerns only:
 * retries 5xx and network errors with exponential backoff, honours 429 Retry-After, and
 * turns failures into TributaryErrors (`provider_auth_failed`, `rate_limited`, `provider_error`).
 */
export class IfitClient {
  readonly #options: Required<IfitClientOptions>;

  constructor(options: IfitClientOptions) {
    this.#options = {
      maxRetries: 3,
      retryBaseMs: 500,
      maxInlineRetryAfterSeconds: 60,
      timeoutMs: 30_000,
      sleep: defaultSleep,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  /** Resource-owner password grant. Wrong credentials → provider_auth_failed (invalid_credentials). */
  passwordGrant(username: string, password: string): Promise<IfitTokenResponse> {
    return this.#token({ grant_type: 'password', username, password }, 'invalid_credentials');
  }

  /** Refresh grant. A revoked or expired refresh token → provider_auth_failed (invalid_grant). */
  refreshGrant(refreshToken: string): Promise<IfitTokenResponse> {
    return this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'invalid_grant');
  }

  async me(accessToken: string): Promise<IfitMe> {
    return (await this.#get('/v1/me', accessToken, meSchema)).value;
  }

  /** One page (1-based) of activity logs, newest first; `after` = epoch ms (logs that started later). */
  async activityLogs(
    accessToken: string,
    query: { page: number; perPage: number; after?: number },
  ): Promise<IfitActivityLogListItem[]> {
    const params = new URLSearchParams({
      perPage: String(query.perPage),
      page: String(query.page),
      after: query.after === undefined ? '' : String(Math.floor(query.after)),
    });
    return (await this.#get(`/v1/activity_logs?${params}`, accessToken, activityLogListSchema)).value;
  }

  activityLog(accessToken: string, id: string): Promise<Fetched<IfitActivityLog>> {
    return this.#get(`/v1/activity_logs/${encodeURIComponent(id)}`, accessToken, activityLogSchema);
  }

  /**
   * A log's detail as iFit sent it: parsed when it fits the schema, else `value` is absent and
   * `problem` says why — the text is still the caller's to keep (a payload that fails the
   * schema is stored raw, never dropped).
   */
  async activityLogText(
    accessToken: string,
    id: string,
  ): Promise<Partial<Fetched<IfitActivityLog>> & { text: string; problem?: string }> {
    const path = `/v1/activity_logs/${encodeURIComponent(id)}`;
    const text = await this.#getText(path, accessToken);
    try {
      return { value: parse(path, text, activityLogSchema), text };
    } catch (error) {
      return { text, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The library workout, or undefined when iFit does not know it (404). */
  async workout(accessToken: string, id: string): Promise<Fetched<IfitWorkout> | undefined> {
    try {
      return await this.#get(`/v1/workouts/${encodeURIComponent(id)}`, accessToken, workoutSchema);
    } catch (error) {
      if (error instanceof TributaryError && error.details.status === 404) return undefined;
      throw error;
    }
  }

  async #token(
    grant: Record<string, string>,
    failureReason: 'invalid_credentials' | 'invalid_grant',
  ): Promise<IfitTokenResponse> {
    const body = JSON.stringify({
      ...grant,
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
    });
    const response = await this.#send('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
    });
    const text = await response.text();
    if (response.status === 400 || response.status === 401) {
      const error = parseJson(text) as { error?: unknown; error_description?: unknown } | undefined;
      const code = typeof error?.error === 'string' ? error.error : 'unknown';
      if (code === 'invalid_client') {
        throw new TributaryError(
          'provider_error',
          'iFit rejected the client id/secret (check TRIBUTARY_PROVIDER_IFIT_CLIENT_ID and TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET)',
          {
            provider: 'IFIT',
            status: response.status,
          },
        );
      }
      const description = typeof error?.error_description === 'string' ? error.error_description : code;
      throw new TributaryError('provider_auth_failed', `iFit refused the ${grant.grant_type} grant: ${description}`, {
        provider: 'IFIT',
        reason: failureReason,
        status: response.status,
      });
    }
    if (!response.ok) throw unexpectedStatus('/oauth/token', response.status, text);
    return parse('/oauth/token', text, tokenResponseSchema);
  }

  async #get<S extends z.ZodTypeAny>(path: string, accessToken: string, schema: S): Promise<Fetched<z.infer<S>>> {
    const text = await this.#getText(path, accessToken);
    return { value: parse(path, text, schema), text };
  }

  async #getText(path: string, accessToken: string): Promise<string> {
    const response = await this.#send(path, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new TributaryError('provider_auth_failed', `iFit rejected the access token on ${path.split('?')[0]}`, {
        provider: 'IFIT',
        reason: 'access_token_rejected',
        status: response.status,
      });
    }
    if (!response.ok) throw unexpectedStatus(path, response.status, text);
    return text;
  }

  /** One logical request: transient failures are retried here, so callers see a final answer. */
  async #send(path: string, init: RequestInit): Promise<Response> {
    const { maxRetries, retryBaseMs, maxInlineRetryAfterSeconds, timeoutMs, sleep } = this.#options;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(this.#options.baseUrl + path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        if (attempt < maxRetries) {
          await sleep(retryBaseMs * 2 ** attempt);
          continue;
        }
        throw new TributaryError(
          'provider_error',
          `iFit is unreachable (${path.split('?')[0]}): ${(cause as Error).message}`,
          { provider: 'IFIT', transient: true },
          { cause },
        );
      }
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
        if (attempt < maxRetries && retryAfter <= maxInlineRetryAfterSeconds) {
          await response.body?.cancel();
          await sleep(retryAfter * 1000);
          continue;
        }
        await response.body?.cancel();
        throw new TributaryError('rate_limited', `iFit rate limit reached; retry after ${retryAfter} s`, {
          provider: 'IFIT',
          retry_after_seconds: retryAfter,
        });
      }
      if (response.status >= 500 && attempt < maxRetries) {
        await response.body?.cancel();
        await sleep(retryBaseMs * 2 ** attempt);
        continue;
      }
      return response;
    }
  }
}

/** Retry-After as seconds (delta-seconds or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (!header) return 1;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - now) / 1000));
}

function unexpectedStatus(path: string, status: number, text: string): TributaryError {
  return new TributaryError(
    'provider_error',
    `iFit answered ${status} on ${path.split('?')[0]}${text ? `: ${text.slice(0, 200)}` : ''}`,
    {
      provider: 'IFIT',
      status,
      transient: status >= 500,
    },
  );
}

function parse<S extends z.ZodTypeAny>(path: string, text: string, schema: S): z.infer<S> {
  const json = parseJson(text);
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TributaryError(
      'provider_error',
      `iFit sent an unexpected payload on ${path.split('?')[0]}: ${issue.path.join('.') || '(root)'} ${issue.message}`,
      {
        provider: 'IFIT',
      },
    );
  }
  return result.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
