import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import type { TokenSet } from '../provider.ts';

/**
 * The OAuth2 token endpoint as most providers implement it (RFC 6749 + RFC 7636): one
 * client per provider application. Knows the wire only: form-encoded grants, the token
 * response, refresh with rotation, revocation, and the mapping of failures to
 * TributaryErrors (`provider_auth_failed` with `invalid_grant`, `rate_limited`,
 * `provider_error`). Providers compose it with their own user-id lookup.
 */
export interface OAuth2ClientOptions {
  /** Terra's provider name (errors, logs). */
  provider: string;
  displayName: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scopes to request, joined with spaces. */
  scopes: readonly string[];
  /** Where the client credentials go at the token endpoint (most: the form body; some: HTTP Basic). */
  clientAuth?: 'body' | 'basic';
  timeoutMs?: number;
  /** Extra authorize-URL parameters a provider needs. */
  authorizeParams?: Record<string, string>;
  /** Extra form fields of the refresh grant a provider needs (WHOOP: `scope=offline`). */
  refreshParams?: Record<string, string>;
}

const tokenResponse = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.coerce.number().positive().optional(),
    refresh_token: z.string().min(1).nullish(),
    scope: z.string().nullish(),
  })
  .passthrough();

export type TokenResponse = z.infer<typeof tokenResponse>;

/** RFC 7636 S256: base64url(SHA-256(verifier)) without padding. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class OAuth2Client {
  readonly #o: Required<OAuth2ClientOptions>;

  constructor(options: OAuth2ClientOptions) {
    this.#o = { clientAuth: 'body', timeoutMs: 30_000, authorizeParams: {}, refreshParams: {}, ...options };
  }

  get scopes(): readonly string[] {
    return this.#o.scopes;
  }

  authorizeUrl(request: { state: string; codeChallenge: string; redirectUri: string }): string {
    const url = new URL(this.#o.authorizeUrl);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: this.#o.clientId,
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      ...this.#o.authorizeParams,
    };
    if (this.#o.scopes.length > 0) params.scope = this.#o.scopes.join(' ');
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /** The authorization-code grant; `now` stamps the expiry. */
  async exchangeCode(
    request: { code: string; codeVerifier: string; redirectUri: string },
    now = Date.now(),
  ): Promise<{ tokens: TokenSet; scope: string | null }> {
    const response = await this.#grant({
      grant_type: 'authorization_code',
      code: request.code,
      code_verifier: request.codeVerifier,
      redirect_uri: request.redirectUri,
    });
    return { tokens: toTokenSet(response, now, null), scope: response.scope ?? null };
  }

  /** The refresh grant; a provider that rotates returns a new refresh token, else the old one stays. */
  async refresh(credentials: TokenSet, now = Date.now()): Promise<TokenSet> {
    if (!credentials.refreshToken)
      throw new TributaryError('provider_auth_failed', `no ${this.#o.displayName} refresh token stored`, {
        provider: this.#o.provider,
        reason: 'invalid_grant',
      });
    const response = await this.#grant({
      ...this.#o.refreshParams,
      grant_type: 'refresh_token',
      refresh_token: credentials.refreshToken,
    });
    return { ...toTokenSet(response, now, credentials.refreshToken), extra: credentials.extra };
  }

  /** POSTs a form to a provider URL with this client's credentials (revocation endpoints). */
  async postForm(url: string, form: Record<string, string>): Promise<Response> {
    return this.#send(url, form);
  }

  async #grant(form: Record<string, string>): Promise<TokenResponse> {
    const response = await this.#send(this.#o.tokenUrl, form);
    const text = await response.text();
    if (response.ok) {
      const parsed = tokenResponse.safeParse(parseJson(text));
      if (parsed.success) return parsed.data;
      throw new TributaryError('provider_error', `${this.#o.displayName} returned a malformed token response`, {
        provider: this.#o.provider,
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
    }
    throw this.#failure(response, text);
  }

  #failure(response: Response, text: string): TributaryError {
    const { provider, displayName } = this.#o;
    const body = parseJson(text) as { error?: unknown; error_description?: unknown } | undefined;
    const code = typeof body?.error === 'string' ? body.error : undefined;
    if (response.status === 429) {
      const retry = Number(response.headers.get('retry-after'));
      return new TributaryError('rate_limited', `${displayName} rate-limited the token endpoint`, {
        provider,
        retry_after_seconds: Number.isFinite(retry) && retry > 0 ? retry : 60,
      });
    }
    if (code === 'invalid_client' || (response.status === 401 && code === undefined))
      return new TributaryError(
        'provider_error',
        `${displayName} rejected the client id/secret (check TRIBUTARY_PROVIDER_${provider}_CLIENT_ID and _CLIENT_SECRET)`,
        { provider, status: response.status },
      );
    if (response.status === 400 || response.status === 401)
      return new TributaryError(
        'provider_auth_failed',
        `${displayName} refused the grant (${code ?? response.status}${typeof body?.error_description === 'string' ? `: ${body.error_description}` : ''})`,
        { provider, reason: 'invalid_grant', status: response.status },
      );
    return new TributaryError('provider_error', `${displayName} token endpoint answered ${response.status}`, {
      provider,
      status: response.status,
    });
  }

  async #send(url: string, form: Record<string, string>): Promise<Response> {
    const { clientId, clientSecret, clientAuth, timeoutMs, displayName, provider } = this.#o;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(form);
    if (clientAuth === 'basic')
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    else {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    }
    try {
      return await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new TributaryError('provider_error', `${displayName} could not be reached (${errorText(error)})`, {
        provider,
      });
    }
  }
}

function toTokenSet(response: TokenResponse, now: number, previousRefreshToken: string | null): TokenSet {
  return {
    accessToken: response.access_token,
    // Providers that rotate send a new refresh token; those that do not keep the old one valid.
    refreshToken: response.refresh_token ?? previousRefreshToken,
    expiresAt: response.expires_in === undefined ? null : now + response.expires_in * 1000,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}
