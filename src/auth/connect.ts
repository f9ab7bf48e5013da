import { createHmac, randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/crypto.ts';
import { LIMITS, type RateLimiter } from '../core/rate-limit.ts';
import { TributaryError, badParameter, isTributaryError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Signal } from '../core/signal.ts';
import { authErrorEvent, authSuccessEvent, deauthEvent, userReauthEvent } from '../delivery/terra-events.ts';
import { initialSync } from '../ingest/sync.ts';
import type { ConfiguredProvider, ProviderAccount, TokenSet } from '../providers/provider.ts';
import { pkceChallenge } from '../providers/oauth2/index.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Developer, Store, User } from '../store/store.ts';
import { authSessions, type AuthSession } from './auth-sessions.ts';

/** Refused passwords a pending user may try (over all its login links) before they are spent. */
export const MAX_FAILED_LOGINS = 5;

/** A login link works for 15 minutes; a widget session as long (Terra's `expires_in`: 900). */
export const LOGIN_TTL_MS = 15 * 60_000;
export const WIDGET_TTL_MS = 15 * 60_000;

export interface ConnectRequest {
  referenceId?: string | null;
  successUrl?: string | null;
  failureUrl?: string | null;
  language?: string | null;
}

/** What a hosted page should do next (api/ turns it into a status code and HTML). */
export type PageOutcome =
  | {
      kind: 'form';
      session: AuthSession;
      provider: ConfiguredProvider;
      error?: string;
      errorKind?: 'credentials' | 'input' | 'provider';
      username?: string;
    }
  | { kind: 'redirect'; location: string }
  | { kind: 'widget'; session: AuthSession; providers: ConfiguredProvider[] }
  | { kind: 'invalid'; reason: 'unknown' | 'expired' | 'used' | 'mismatch'; message: string };

export interface ConnectFlowOptions {
  store: Store;
  providers: ProviderRegistry;
  logger: Logger;
  eventsCommitted: Signal;
  /** Base for hosted links (the public URL), read on each call so tests can point it at an ephemeral port. */
  publicUrl: () => string;
  /** Called after a connection was stored (ingest wakes up to backfill). */
  onConnected?: (user: User) => void;
  /** Called after a user was deauthorized (ingest aborts in-flight work). */
  onDisconnected?: (user: User) => void;
  /**
   * Key deriving each OAuth2 attempt's PKCE verifier from its `state`, so that any API
   * process can finish an attempt another one started (the deployment's encryption key).
   */
  pkceKey?: Buffer;
}

/** The OAuth2 callback's query, as the provider sent it. */
export interface OAuthCallbackQuery {
  state?: unknown;
  code?: unknown;
  error?: unknown;
  error_description?: unknown;
  scope?: unknown;
}

/**
 * Terra's connect flow for every auth kind: `authenticateUser`, widget sessions, the
 * hosted login form of `password` providers, cancellation, deauthentication and
 * re-authentication of the same provider account. Emits Terra's auth events through the
 * outbox in the transaction that changes the user.
 */
export class ConnectFlow {
  readonly #o: ConnectFlowOptions;
  readonly #pkceKey: Buffer;
  /** Password attempts and widget choices of one developer's links, all IPs together. */
  readonly #perDeveloper: RateLimiter;
  #lastHousekeeping = 0;

  constructor(options: ConnectFlowOptions) {
    this.#o = options;
    this.#perDeveloper = LIMITS.pagesPerDeveloper(options.store.rateLimits);
    this.#pkceKey = options.pkceKey ?? randomBytes(32);
  }

  /** Purges expired links and abandoned pending users, at most once a minute, off the request path. */
  #housekeeping(): void {
    const now = Date.now();
    if (now - this.#lastHousekeeping < 60_000) return;
    this.#lastHousekeeping = now;
    authSessions.purgeExpired(this.#o.store, now).then(
      (purged) => purged > 0 && this.#o.eventsCommitted.notify(),
      (error: unknown) => this.#o.logger.warn('auth housekeeping failed', { error }),
    );
  }

  /** The provider `resource` names, if this developer may connect it. */
  provider(developer: Developer, resource: string): ConfiguredProvider {
    const provider = this.#o.providers.get(resource);
    if (!provider) {
      const known = this.#o.providers.list().map((p) => p.capabilities.name);
      throw badParameter(
        'resource',
        `unknown or unconfigured resource ${JSON.stringify(resource)}; this server offers: ${known.join(', ') || '(none configured)'}`,
      );
    }
    if (
      developer.enabledProviders &&
      !developer.enabledProviders.some((name) => name.toUpperCase() === provider.capabilities.name)
    ) {
      throw badParameter('resource', `${provider.capabilities.name} is not enabled for this developer`);
    }
    return provider;
  }

  /** POST /auth/authenticateUser: allocates the user and returns where to send the browser. */
  async authenticateUser(
    developer: Developer,
    resource: string,
    request: ConnectRequest,
  ): Promise<{ user: User; authUrl: string }> {
    this.#housekeeping();
    const provider = this.provider(developer, resource);
    const name = provider.capabilities.name;
    switch (provider.capabilities.auth) {
      case 'mobile_sdk':
        throw badParameter(
          'resource',
          `${name} is connected from the user's phone, not a browser: call POST /v2/auth/generateAuthToken and pass the token to the mobile SDK, which registers the user through POST /v2/sdk/users`,
        );
      case 'upload':
        return this.#connectUpload(developer, provider, request);
      case 'password': {
        if (!provider.passwordLogin)
          throw new TributaryError('internal', `${name} declares password auth but offers no login`);
        const user = await this.#o.store.users.create(developer.devId, {
          provider: name,
          referenceId: request.referenceId ?? null,
          state: 'pending',
        });
        const { secret } = await authSessions.create(this.#o.store, {
          kind: 'login',
          devId: developer.devId,
          userId: user.userId,
          provider: name,
          providers: null,
          widgetSessionId: null,
          ...fields(request),
          ttlMs: LOGIN_TTL_MS,
        });
        return { user, authUrl: this.loginUrl(secret) };
      }
      case 'oauth2':
        return this.#startOAuth(developer, provider, request, null);
    }
  }

  /** The callback every OAuth2 provider redirects to: `redirect_uri` of its authorize request. */
  redirectUri(provider: ConfiguredProvider): string {
    return `${this.#o.publicUrl()}/oauth/${provider.capabilities.name.toLowerCase()}/callback`;
  }

  /**
   * An OAuth2 attempt: a pending user and a single-use 15-minute session whose secret is
   * the `state`; the PKCE verifier is derived from it (never sent to the browser).
   */
  async #startOAuth(
    developer: Developer,
    provider: ConfiguredProvider,
    request: ConnectRequest,
    widgetSessionId: string | null,
    existing?: User,
  ): Promise<{ user: User; authUrl: string }> {
    const name = provider.capabilities.name;
    if (!provider.oauth2) throw new TributaryError('internal', `${name} declares OAuth2 auth but offers no grant`);
    const user =
      existing ??
      (await this.#o.store.users.create(developer.devId, {
        provider: name,
        referenceId: request.referenceId ?? null,
        state: 'pending',
      }));
    const { secret: state } = await authSessions.create(this.#o.store, {
      kind: 'login',
      devId: developer.devId,
      userId: user.userId,
      provider: name,
      providers: null,
      widgetSessionId,
      ...fields(request),
      ttlMs: LOGIN_TTL_MS,
    });
    const authUrl = provider.oauth2.authorizeUrl({
      state,
      codeChallenge: pkceChallenge(this.#pkceVerifier(state)),
      redirectUri: this.redirectUri(provider),
    });
    return { user, authUrl };
  }

  #pkceVerifier(state: string): string {
    // 32 bytes → 43 base64url characters: RFC 7636's minimum length and alphabet.
    return createHmac('sha256', this.#pkceKey).update(`pkce\u0000${state}`).digest('base64url');
  }

  /**
   * GET /oauth/{provider}/callback: consent refused → failure redirect and an `auth` error
   * event; a code → exchange, connection stored, success redirect. An unknown `state`, or
   * one issued for another provider, changes nothing.
   */
  async oauthCallback(providerPath: string, query: OAuthCallbackQuery): Promise<PageOutcome> {
    const state = typeof query.state === 'string' ? query.state : '';
    const found = await this.#usable(state, 'login');
    if ('kind' in found)
      return found.reason === 'unknown'
        ? {
            kind: 'invalid',
            reason: 'mismatch',
            message: 'This sign-in did not start here (unknown state). Go back to the app and connect again.',
          }
        : found;
    const { session, provider } = found;
    if (provider.capabilities.name.toLowerCase() !== providerPath.toLowerCase() || !provider.oauth2)
      return {
        kind: 'invalid',
        reason: 'mismatch',
        message: 'This sign-in was started for another provider. Go back to the app and connect again.',
      };
    if (typeof query.error === 'string' || typeof query.code !== 'string' || query.code === '') {
      const reason = typeof query.error === 'string' ? query.error.slice(0, 64) : 'missing_code';
      const description =
        typeof query.error_description === 'string' ? `: ${query.error_description.slice(0, 200)}` : '';
      return this.#fail(
        session,
        state,
        reason,
        `${provider.capabilities.displayName} did not grant access (${reason}${description})`,
      );
    }
    let account: ProviderAccount;
    try {
      account = await provider.oauth2.exchange({
        code: query.code,
        codeVerifier: this.#pkceVerifier(state),
        redirectUri: this.redirectUri(provider),
        grantedScope: typeof query.scope === 'string' ? query.scope : null,
      });
    } catch (error) {
      const refused = isTributaryError(error) && error.code === 'provider_auth_failed';
      this.#o.logger.warn('oauth code exchange failed', {
        provider: provider.capabilities.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return this.#fail(
        session,
        state,
        refused ? 'invalid_grant' : 'provider_error',
        refused
          ? `${provider.capabilities.displayName} refused the authorization code`
          : `${provider.capabilities.displayName} could not be reached to finish connecting`,
      );
    }
    return this.#complete(session, state, provider, account);
  }

  /** Ends an attempt without a connection: `auth` error event, pending user deleted, failure redirect. */
  async #fail(session: AuthSession, secret: string, reason: string, message: string): Promise<PageOutcome> {
    if (!(await this.#abandon(session, secret, reason, message)))
      return { kind: 'invalid', reason: 'used', message: 'This sign-in has already been used.' };
    return { kind: 'redirect', location: this.#resultUrl(session, 'failure', session.userId, { reason }) };
  }

  /**
   * Spends the link and records why nothing was connected: the pending user is deleted and an
   * `auth` error event sent. False when the link was already spent (nothing changes).
   */
  async #abandon(session: AuthSession, secret: string, reason: string, message: string): Promise<boolean> {
    const abandoned = await this.#o.store.transaction(async (tx) => {
      if (!(await authSessions.consume(tx, secret))) return false;
      const pending = await tx.users.get(session.devId, session.userId!);
      if (pending) {
        // Deleted first: deleting a user deletes its events, and this notice must remain.
        if (pending.state === 'pending') await tx.users.delete(session.devId, pending.userId);
        await tx.events.insert(session.devId, {
          type: 'auth',
          userId: pending.userId,
          payload: authErrorEvent(pending, {
            reason,
            message,
            widgetSessionId: session.widgetSessionId ?? session.sessionId,
          }),
        });
      }
      return true;
    });
    if (abandoned) this.#o.eventsCommitted.notify();
    return abandoned;
  }

  /** POST /auth/generateWidgetSession: a hosted page listing the developer's providers. */
  async generateWidgetSession(
    developer: Developer,
    request: ConnectRequest & { providers?: string | null },
  ): Promise<{ sessionId: string; url: string; expiresIn: number }> {
    const providers = request.providers
      ? request.providers
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
          .map((name) => this.provider(developer, name).capabilities.name)
      : null;
    const { session, secret } = await authSessions.create(this.#o.store, {
      kind: 'widget',
      devId: developer.devId,
      userId: null,
      provider: null,
      providers,
      widgetSessionId: null,
      ...fields(request),
      ttlMs: WIDGET_TTL_MS,
    });
    return {
      sessionId: session.sessionId,
      url: `${this.#o.publicUrl()}/widget/${secret}`,
      expiresIn: Math.round(WIDGET_TTL_MS / 1000),
    };
  }

  loginUrl(secret: string): string {
    return `${this.#o.publicUrl()}/connect/${secret}`;
  }

  /** GET of a login link: the form, or why it cannot be used. */
  async openLogin(secret: string): Promise<PageOutcome> {
    const found = await this.#usable(secret, 'login');
    if ('kind' in found) return found;
    if (!found.provider.passwordLogin) return NOT_A_FORM;
    return { kind: 'form', session: found.session, provider: found.provider };
  }

  /** POST of the login form: the password grant at the provider, then the redirect. */
  async submitLogin(secret: string, form: { username?: unknown; password?: unknown }): Promise<PageOutcome> {
    const found = await this.#usable(secret, 'login');
    if ('kind' in found) return found;
    if (!found.provider.passwordLogin) return NOT_A_FORM;
    const { session, provider } = found;
    await this.#perDeveloper.hit(session.devId, "login attempts on this developer's links");
    // The operator's provider client must not become a password-guessing oracle.
    if ((await this.#o.store.authSessions.failedLogins(session.devId, session.userId!)) >= MAX_FAILED_LOGINS)
      return this.#spent(session);
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!username || !password)
      return {
        kind: 'form',
        session,
        provider,
        username,
        errorKind: 'input',
        error: 'Enter both your email and your password.',
      };
    let account;
    try {
      account = await provider.passwordLogin!.login(username, password);
    } catch (error) {
      if (isTributaryError(error) && error.code === 'provider_auth_failed') {
        const failed = await this.#o.store.authSessions.recordFailedLogin(sha256Hex(secret));
        if (failed >= MAX_FAILED_LOGINS) return this.#spent(session);
        const left = MAX_FAILED_LOGINS - failed;
        return {
          kind: 'form',
          session,
          provider,
          username,
          errorKind: 'credentials',
          error: `${provider.capabilities.displayName} did not accept this email and password. Check them and try again (${left} ${left === 1 ? 'attempt' : 'attempts'} left).`,
        };
      }
      this.#o.logger.warn('provider login failed', {
        provider: provider.capabilities.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return {
        kind: 'form',
        session,
        provider,
        username,
        errorKind: 'provider',
        error: `${provider.capabilities.displayName} could not be reached just now. Please try again in a moment.`,
      };
    }
    return this.#complete(session, secret, provider, account);
  }

  /** Too many refused passwords: every login link of this user is spent. */
  async #spent(session: AuthSession): Promise<PageOutcome> {
    await this.#o.store.authSessions.spendLogins(session.devId, session.userId!, Date.now());
    return {
      kind: 'invalid',
      reason: 'used',
      message: `This login link is spent after ${MAX_FAILED_LOGINS} refused passwords. Start again from the app.`,
    };
  }

  /**
   * Stores the connection of a finished login (password or OAuth2), consuming its link:
   * `auth` success, and `user_reauth` when the same provider account was connected before.
   */
  async #complete(
    session: AuthSession,
    secret: string,
    provider: ConfiguredProvider,
    account: ProviderAccount,
  ): Promise<PageOutcome> {
    const now = Date.now();
    const { syncState, nextSyncAt } = initialSync(provider, now);
    const connected = await this.#o.store.transaction(async (tx) => {
      if (!(await authSessions.consume(tx, secret, now))) return undefined;
      const pending = await tx.users.get(session.devId, session.userId!);
      if (!pending) return undefined;
      const previous = (
        await tx.users.byProviderAccount(session.devId, provider.capabilities.name, account.providerUserId)
      ).filter((user) => user.userId !== pending.userId);
      const user = (await tx.users.update(session.devId, pending.userId, {
        state: 'connected',
        providerUserId: account.providerUserId,
        scopes: account.scopes,
        active: true,
      }))!;
      await tx.connections.save(session.devId, {
        userId: user.userId,
        provider: provider.capabilities.name,
        credentials: account.credentials,
        status: 'active',
        syncState,
        nextSyncAt,
      });
      // Terra: reconnecting the same provider account replaces the old user.
      for (const old of previous) {
        await tx.events.insert(session.devId, {
          type: 'user_reauth',
          userId: user.userId,
          payload: userReauthEvent(old, user),
        });
        await tx.users.delete(session.devId, old.userId);
      }
      await tx.events.insert(session.devId, {
        type: 'auth',
        userId: user.userId,
        payload: authSuccessEvent(user, session.widgetSessionId ?? session.sessionId),
      });
      return { user, previous };
    });
    if (!connected) return { kind: 'invalid', reason: 'used', message: 'This login link has already been used.' };
    this.#o.eventsCommitted.notify();
    for (const old of connected.previous) this.#o.onDisconnected?.(old);
    this.#o.onConnected?.(connected.user);
    return { kind: 'redirect', location: this.#resultUrl(session, 'success', connected.user.userId) };
  }

  /** The cancel link: the pending user is deleted and the browser goes to the failure URL. */
  async cancelLogin(secret: string): Promise<PageOutcome> {
    const found = await this.#usable(secret, 'login');
    if ('kind' in found) return found;
    const { session } = found;
    if (!(await this.#abandon(session, secret, 'cancelled', 'The user cancelled the connection')))
      return { kind: 'invalid', reason: 'used', message: 'This login link has already been used.' };
    return { kind: 'redirect', location: this.#resultUrl(session, 'failure', session.userId, { reason: 'cancelled' }) };
  }

  /** GET of a widget link. */
  async openWidget(secret: string): Promise<PageOutcome> {
    const found = await this.#widget(secret);
    if ('kind' in found) return found;
    return { kind: 'widget', session: found.session, providers: found.providers };
  }

  /** The user chose a provider in the widget. */
  async chooseInWidget(secret: string, resource: string): Promise<PageOutcome> {
    const found = await this.#widget(secret);
    if ('kind' in found) return found;
    const { session, developer } = found;
    await this.#perDeveloper.hit(developer.devId, "widget choices on this developer's links");
    const provider = found.providers.find((p) => p.capabilities.name === resource.toUpperCase());
    if (!provider)
      return { kind: 'invalid', reason: 'unknown', message: `${resource} is not offered in this session.` };
    const request: ConnectRequest = {
      referenceId: session.referenceId,
      successUrl: session.successUrl,
      failureUrl: session.failureUrl,
      language: session.language,
    };
    if (provider.capabilities.auth === 'mobile_sdk') {
      // Terra: SDK providers continue on the phone; the widget reports success without a user.
      return {
        kind: 'redirect',
        location: this.#resultUrl({ ...session, provider: provider.capabilities.name }, 'success', null),
      };
    }
    // One user per widget session and provider, also under concurrent requests (several
    // processes): the choice is made holding a lease on (session, provider); a request that
    // finds it taken waits, then continues with the user the holder recorded.
    const lease = `widget:${session.sessionId}:${provider.capabilities.name}`;
    const holder = randomBytes(8).toString('hex');
    const deadline = Date.now() + WIDGET_CHOICE_WAIT_MS;
    while (!(await this.#o.store.leases.acquire(lease, holder, WIDGET_CHOICE_LEASE_MS))) {
      if (Date.now() > deadline)
        throw new TributaryError('conflict', 'this provider is being chosen in another request; try again');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    try {
      return await this.#chooseHoldingLease(session, developer, provider, request);
    } finally {
      await this.#o.store.leases.release(lease, holder).catch(() => undefined);
    }
  }

  async #chooseHoldingLease(
    session: AuthSession,
    developer: Developer,
    provider: ConfiguredProvider,
    request: ConnectRequest,
  ): Promise<PageOutcome> {
    // One user per widget session and provider: choosing again continues with the same user.
    const chosen = await this.#o.store.authSessions.widgetChoice(session.sessionId, provider.capabilities.name);
    const existing = chosen && (await this.#o.store.users.get(chosen.devId, chosen.userId));
    const remember = (user: User) =>
      this.#o.store.authSessions.recordWidgetChoice({
        widgetSessionId: session.sessionId,
        provider: provider.capabilities.name,
        devId: developer.devId,
        userId: user.userId,
        now: Date.now(),
      });
    if (provider.capabilities.auth === 'upload') {
      if (existing && provider.hostedConnectUrl)
        return {
          kind: 'redirect',
          location: provider.hostedConnectUrl({ devId: developer.devId, userId: existing.userId }),
        };
      const { user, authUrl } = await this.#connectUpload(developer, provider, request, session.sessionId);
      await remember(user);
      return { kind: 'redirect', location: authUrl };
    }
    if (existing && existing.state !== 'pending')
      return {
        kind: 'invalid',
        reason: 'used',
        message: `${provider.capabilities.displayName} is already connected from this page.`,
      };
    if (provider.capabilities.auth === 'oauth2') {
      const { user, authUrl } = await this.#startOAuth(developer, provider, request, session.sessionId, existing);
      if (!existing) await remember(user);
      return { kind: 'redirect', location: authUrl };
    }
    if (provider.capabilities.auth !== 'password' || !provider.passwordLogin)
      return {
        kind: 'invalid',
        reason: 'unknown',
        message: `${provider.capabilities.displayName} cannot be connected from this page yet.`,
      };
    if (
      existing &&
      (await this.#o.store.authSessions.failedLogins(developer.devId, existing.userId)) >= MAX_FAILED_LOGINS
    )
      return {
        kind: 'invalid',
        reason: 'used',
        message: `This login is spent after ${MAX_FAILED_LOGINS} refused passwords. Start again from the app.`,
      };
    const user =
      existing ??
      (await this.#o.store.users.create(developer.devId, {
        provider: provider.capabilities.name,
        referenceId: session.referenceId,
        state: 'pending',
      }));
    if (!existing) await remember(user);
    const { secret: loginSecret } = await authSessions.create(this.#o.store, {
      kind: 'login',
      devId: developer.devId,
      userId: user.userId,
      provider: provider.capabilities.name,
      providers: null,
      widgetSessionId: session.sessionId,
      ...fields(request),
      ttlMs: LOGIN_TTL_MS,
    });
    return { kind: 'redirect', location: this.loginUrl(loginSecret) };
  }

  /** DELETE /auth/deauthenticateUser: `deauth` event, then the user, its tokens and data are deleted. */
  async deauthenticate(devId: string, userId: string): Promise<void> {
    await this.#revokeAtProvider(devId, userId);
    const user = await this.#o.store.transaction(async (tx) => {
      const found = await tx.users.get(devId, userId);
      if (!found) return undefined;
      await tx.connections.delete(devId, userId);
      const inactive = (await tx.users.update(devId, userId, { active: false, state: 'deauthorized' })) ?? found;
      // The user's data, events, pending deliveries and data requests go in this transaction;
      // the deauth notice is written after, so it is the one event of the user that remains.
      await tx.users.delete(devId, userId);
      await tx.events.insert(devId, { type: 'deauth', userId, payload: deauthEvent(inactive) });
      return inactive;
    });
    if (!user) throw new TributaryError('not_found', `user ${userId} not found`);
    this.#o.onDisconnected?.(user);
    this.#o.eventsCommitted.notify();
  }

  /** Best effort: a provider that is down must not keep a user from leaving. */
  async #revokeAtProvider(devId: string, userId: string): Promise<void> {
    const connection = await this.#o.store.connections.get<TokenSet>(devId, userId);
    const provider = connection && this.#o.providers.get(connection.provider);
    if (!connection?.credentials || !provider?.revokeAccess) return;
    try {
      await provider.revokeAccess(connection.credentials);
    } catch (error) {
      this.#o.logger.warn('revoking access at the provider failed', {
        provider: provider.capabilities.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #connectUpload(
    developer: Developer,
    provider: ConfiguredProvider,
    request: ConnectRequest,
    widgetSessionId?: string,
  ): Promise<{ user: User; authUrl: string }> {
    if (!provider.hostedConnectUrl)
      throw new TributaryError(
        'internal',
        `${provider.capabilities.name} declares upload auth but offers no hosted page`,
      );
    const user = await this.#o.store.transaction(async (tx) => {
      const created = await tx.users.create(developer.devId, {
        provider: provider.capabilities.name,
        referenceId: request.referenceId ?? null,
        state: 'connected',
      });
      await tx.events.insert(developer.devId, {
        type: 'auth',
        userId: created.userId,
        payload: authSuccessEvent(created, widgetSessionId ?? `direct_${created.userId}`),
      });
      return created;
    });
    this.#o.eventsCommitted.notify();
    return { user, authUrl: provider.hostedConnectUrl({ devId: developer.devId, userId: user.userId }) };
  }

  async #usable(
    secret: string,
    kind: 'login',
  ): Promise<{ session: AuthSession; provider: ConfiguredProvider } | Extract<PageOutcome, { kind: 'invalid' }>> {
    const session = await authSessions.bySecret(this.#o.store, secret);
    if (!session || session.kind !== kind)
      return {
        kind: 'invalid',
        reason: 'unknown',
        message: 'This login link is not valid. Ask the app you came from for a new one.',
      };
    if (session.usedMs !== null)
      return {
        kind: 'invalid',
        reason: 'used',
        message: 'This login link has already been used. Ask the app you came from for a new one.',
      };
    if (session.expiresMs <= Date.now())
      return {
        kind: 'invalid',
        reason: 'expired',
        message: 'This login link has expired (links work for 15 minutes). Ask the app you came from for a new one.',
      };
    const provider = this.#o.providers.get(session.provider ?? '');
    if (!provider)
      return { kind: 'invalid', reason: 'unknown', message: 'This provider is no longer offered by this server.' };
    return { session, provider };
  }

  async #widget(
    secret: string,
  ): Promise<
    | { session: AuthSession; developer: Developer; providers: ConfiguredProvider[] }
    | Extract<PageOutcome, { kind: 'invalid' }>
  > {
    const session = await authSessions.bySecret(this.#o.store, secret);
    if (!session || session.kind !== 'widget')
      return {
        kind: 'invalid',
        reason: 'unknown',
        message: 'This connection page is not valid. Ask the app you came from for a new one.',
      };
    if (session.expiresMs <= Date.now())
      return {
        kind: 'invalid',
        reason: 'expired',
        message: 'This connection page has expired. Ask the app you came from for a new one.',
      };
    const developer = await this.#o.store.developers.get(session.devId);
    if (!developer) return { kind: 'invalid', reason: 'unknown', message: 'This connection page is not valid.' };
    const enabled = developer.enabledProviders?.map((name) => name.toUpperCase()) ?? null;
    const providers = this.#o.providers
      .list()
      .filter((p) => enabled === null || enabled.includes(p.capabilities.name))
      .filter((p) => session.providers === null || session.providers.includes(p.capabilities.name));
    return { session, developer, providers };
  }

  /** Terra's final URL: the developer's (or the hosted page) with user_id, resource, reference_id. */
  #resultUrl(
    session: AuthSession,
    outcome: 'success' | 'failure',
    userId: string | null,
    extra: Record<string, string> = {},
  ): string {
    const base =
      (outcome === 'success' ? session.successUrl : session.failureUrl) ?? `${this.#o.publicUrl()}/auth/${outcome}`;
    const url = new URL(base);
    url.searchParams.set('user_id', userId ?? 'null');
    url.searchParams.set('resource', session.provider ?? 'null');
    url.searchParams.set('reference_id', session.referenceId ?? 'null');
    for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
    return url.toString();
  }
}

/** How long a widget choice may hold its lease, and how long a concurrent choice waits for it. */
const WIDGET_CHOICE_LEASE_MS = 30_000;
const WIDGET_CHOICE_WAIT_MS = 35_000;

const NOT_A_FORM: PageOutcome = {
  kind: 'invalid',
  reason: 'unknown',
  message: 'This login link is not valid. Ask the app you came from for a new one.',
};

function fields(request: ConnectRequest) {
  return {
    referenceId: request.referenceId ?? null,
    successUrl: request.successUrl ?? null,
    failureUrl: request.failureUrl ?? null,
    language: request.language ?? null,
  };
}

/** A redirect target the developer gave: an absolute URL (web or app deep link), never `javascript:`/`data:`. */
export function redirectUrl(parameter: string, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw badParameter(parameter, `${parameter} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badParameter(parameter, `${parameter} must be an absolute URL (got ${JSON.stringify(value)})`);
  }
  if (['javascript:', 'data:', 'vbscript:', 'file:'].includes(url.protocol))
    throw badParameter(parameter, `${parameter} may not use the ${url.protocol} scheme`);
  return value;
}
