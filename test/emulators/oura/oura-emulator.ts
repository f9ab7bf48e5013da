import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { generateDay, seededRandom, type Random } from './generate.ts';

/**
 * A local Oura API v2 following ../shared/research/providers.md §2: the authorize page
 * (`/oauth/authorize`, answering at once with the consent a test chose), the token
 * endpoint (authorization code with optional PKCE, single-use rotating refresh tokens),
 * `/oauth/revoke`, and `/v2/usercollection/*` documents. Faults on demand (any status,
 * 429 with Retry-After, revoked grants). Every request is logged for assertions.
 */
export interface OuraEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of access tokens, seconds (Oura's example: 86400). */
  accessTokenSeconds?: number;
  seed?: number;
  /** Lifetime of webhook subscriptions, days (open-wearables: 90). */
  subscriptionDays?: number;
  /** Documents per page before `next_token` (heart-rate rows: ten times as many). */
  pageSize?: number;
}

/** The scope each collection needs (Oura answers 403 without it). */
const COLLECTION_SCOPES: Readonly<Record<string, string>> = {
  personal_info: 'personal',
  daily_activity: 'daily',
  daily_sleep: 'daily',
  daily_readiness: 'daily',
  daily_stress: 'daily',
  sleep: 'daily',
  daily_spo2: 'spo2Daily',
  heartrate: 'heartrate',
  workout: 'workout',
  session: 'session',
};

export interface OuraAccount {
  id: string;
  email: string;
  age: number;
  weight: number;
  height: number;
  biological_sex: string;
}

export interface OuraSubscription {
  id: string;
  callback_url: string;
  verification_token: string;
  event_type: string;
  data_type: string;
  expiration_time: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  userId?: string;
  grantType?: string;
  at: number;
}

/** What the next authorize request answers: the account grants (optionally fewer scopes) or refuses. */
export type Consent = { grant: true; accountId: string; scopes?: string[] } | { grant: false; error?: string };

interface Fault {
  method?: string;
  path: string | RegExp;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  remaining: number;
}

interface Code {
  accountId: string;
  redirectUri: string;
  challenge: string | null;
  scope: string;
  requestedScope: string;
  expiresAt: number;
}

export class OuraEmulator {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: LoggedRequest[] = [];
  readonly #options: Required<OuraEmulatorOptions>;
  readonly #accounts = new Map<string, OuraAccount>();
  /** Documents by account id, then collection (`sleep`, `daily_activity`…). */
  readonly #documents = new Map<string, Map<string, Record<string, unknown>[]>>();
  readonly #codes = new Map<string, Code>();
  readonly #access = new Map<string, { accountId: string; expiresAt: number; scope: string }>();
  /** refresh token → account id and granted scope */
  readonly #refresh = new Map<string, { accountId: string; scope: string }>();
  readonly #heartrate = new Map<string, Record<string, unknown>[]>();
  readonly #random: Random;
  readonly #faults: Fault[] = [];
  readonly #holds: { path: string | RegExp; reached: () => void; released: Promise<void> }[] = [];
  readonly subscriptions = new Map<string, OuraSubscription>();
  #consent: Consent | undefined;
  #server: FastifyInstance | undefined;
  url = '';

  constructor(options: OuraEmulatorOptions = {}) {
    this.#options = {
      clientId: 'oura-test-client',
      clientSecret: 'oura-test-secret',
      accessTokenSeconds: 86_400,
      seed: 7,
      subscriptionDays: 90,
      pageSize: 25,
      ...options,
    };
    this.clientId = this.#options.clientId;
    this.clientSecret = this.#options.clientSecret;
    this.#random = seededRandom(this.#options.seed);
  }

  // ---- test controls -------------------------------------------------------------------

  addAccount(input: Partial<OuraAccount> = {}): OuraAccount {
    const account: OuraAccount = {
      id: input.id ?? randomBytes(8).toString('hex'),
      email: 'sleeper@example.com',
      age: 34,
      weight: 68.5,
      height: 1.74,
      biological_sex: 'female',
      ...input,
    };
    this.#accounts.set(account.id, account);
    this.#documents.set(account.id, this.#documents.get(account.id) ?? new Map());
    return account;
  }

  /** The answer of the next authorize request (default: the first account grants everything). */
  setConsent(consent: Consent): void {
    this.#consent = consent;
  }

  addDocument(accountId: string, collection: string, document: Record<string, unknown>): void {
    const byCollection = this.#documents.get(accountId);
    if (!byCollection) throw new Error(`no emulator account ${accountId}`);
    const list = byCollection.get(collection) ?? [];
    const index = list.findIndex((existing) => existing.id !== undefined && existing.id === document.id);
    if (index >= 0) list[index] = document;
    else list.push(document);
    byCollection.set(collection, list);
  }

  /** `days` days of generated history ending yesterday, in the account's `offsetMinutes`. */
  addHistory(accountId: string, days: number, offsetMinutes = 60, now = Date.now()): void {
    for (let i = days; i >= 1; i--) {
      const day = new Date(now - i * 86_400_000).toISOString().slice(0, 10);
      const generated = generateDay(this.#random, day, offsetMinutes, i);
      for (const [collection, documents] of Object.entries(generated.documents))
        for (const document of documents) this.addDocument(accountId, collection, document);
      this.#heartrate.set(accountId, [...(this.#heartrate.get(accountId) ?? []), ...generated.heartrate]);
    }
  }

  removeDocument(accountId: string, collection: string, id: string): void {
    const list = this.#documents.get(accountId)?.get(collection);
    if (list)
      this.#documents.get(accountId)!.set(
        collection,
        list.filter((document) => document.id !== id),
      );
  }

  /** The next `times` requests matching `method path` (prefix or RegExp) get this answer. */
  failNext(
    match: { method?: string; path: string | RegExp },
    answer: { status: number; headers?: Record<string, string>; body?: unknown; times?: number },
  ): void {
    this.#faults.push({
      ...match,
      status: answer.status,
      headers: answer.headers ?? {},
      body: answer.body ?? { detail: answer.status === 429 ? 'Too Many Requests' : 'Internal Server Error' },
      remaining: answer.times ?? 1,
    });
  }

  /**
   * The next request whose path matches waits, unanswered, until `release()`: a test can tell
   * what Tributary did before that call returned. `reached` resolves when the request arrives.
   */
  holdNext(path: string | RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#holds.push({ path, reached, released });
    return { reached: arrived, release };
  }

  expireAccessTokens(accountId?: string): void {
    for (const token of this.#access.values()) if (!accountId || token.accountId === accountId) token.expiresAt = 0;
  }

  /** The user removed the app in Oura: every token of theirs stops working. */
  revokeGrant(accountId: string): void {
    for (const [token, owner] of this.#refresh) if (owner.accountId === accountId) this.#refresh.delete(token);
    for (const [token, access] of this.#access) if (access.accountId === accountId) this.#access.delete(token);
  }

  /** Whether the account still has a live grant (refresh token). */
  hasGrant(accountId: string): boolean {
    return [...this.#refresh.values()].some((owner) => owner.accountId === accountId);
  }

  apiRequests(path?: string): LoggedRequest[] {
    return this.requests.filter((request) => !path || request.path.startsWith(path));
  }

  // ---- webhooks (Oura calling the app) ---------------------------------------------------

  /** Oura verifying a subscription's callback: GET with the verification token and a challenge. */
  async verifyCallback(callbackUrl: string, verificationToken: string): Promise<{ status: number; body: unknown }> {
    const url = new URL(callbackUrl);
    const challenge = randomBytes(8).toString('hex');
    url.searchParams.set('verification_token', verificationToken);
    url.searchParams.set('challenge', challenge);
    const response = await fetch(url);
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /**
   * Oura delivering a notification: compact JSON, `x-oura-timestamp` (epoch s) and
   * `x-oura-signature` = HEX-UPPER(HMAC-SHA256(client secret, timestamp + body)).
   * `body` may be a string to send malformed bytes; `secret` signs with another key.
   */
  async notify(
    callbackUrl: string,
    notice: Record<string, unknown> | string,
    options: { secret?: string; timestamp?: string } = {},
  ): Promise<Response> {
    const body = typeof notice === 'string' ? notice : JSON.stringify(notice);
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', options.secret ?? this.clientSecret)
      .update(timestamp + body)
      .digest('hex')
      .toUpperCase();
    return fetch(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-oura-timestamp': timestamp, 'x-oura-signature': signature },
      body,
    });
  }

  // ---- server --------------------------------------------------------------------------

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = Fastify({ logger: false });
    await app.register(formbody);
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      const hold = this.#holds.findIndex((h) =>
        typeof h.path === 'string' ? path.startsWith(h.path) : h.path.test(path),
      );
      if (hold >= 0) {
        const [held] = this.#holds.splice(hold, 1);
        held!.reached();
        await held!.released;
      }
      const fault = this.#faults.find(
        (f) =>
          f.remaining > 0 &&
          (!f.method || f.method === request.method) &&
          (typeof f.path === 'string' ? path.startsWith(f.path) : f.path.test(path)),
      );
      if (!fault) return;
      fault.remaining--;
      this.#log(request, fault.status);
      await reply.status(fault.status).headers(fault.headers).send(fault.body);
    });
    this.#subscriptionRoutes(app);
    app.get('/oauth/authorize', (request, reply) => this.#authorize(request, reply));
    app.post('/oauth/token', (request, reply) => this.#token(request, reply));
    app.post('/oauth/revoke', (request, reply) => this.#revoke(request, reply));
    app.get('/v2/usercollection/personal_info', (request, reply) =>
      this.#api(request, reply, 'personal_info', (account) => {
        const { id, age, weight, height, biological_sex, email } = account;
        return { id, age, weight, height, biological_sex, email };
      }),
    );
    app.get('/v2/usercollection/heartrate', (request, reply) =>
      this.#api(request, reply, 'heartrate', (account) => {
        const query = request.query as Record<string, string | undefined>;
        const from = query.start_datetime ? Date.parse(query.start_datetime) : 0;
        const to = query.end_datetime ? Date.parse(query.end_datetime) : Date.now();
        const rows = (this.#heartrate.get(account.id) ?? []).filter((row) => {
          const at = Date.parse(String(row.timestamp));
          return at >= from && at <= to;
        });
        return this.#page(rows, query.next_token, this.#options.pageSize * 10);
      }),
    );
    app.get('/v2/usercollection/:collection', (request, reply) => {
      const { collection } = request.params as { collection: string };
      return this.#api(request, reply, collection, (account) => {
        const query = request.query as Record<string, string | undefined>;
        const end = query.end_date ?? new Date().toISOString().slice(0, 10);
        const start = query.start_date ?? new Date(Date.parse(end) - 86_400_000).toISOString().slice(0, 10);
        const documents = this.documents(account.id, collection === 'vO2_max' ? 'vo2_max' : collection).filter(
          (document) => String(document.day) >= start.slice(0, 10) && String(document.day) <= end.slice(0, 10),
        );
        return this.#page(documents, query.next_token, this.#options.pageSize);
      });
    });
    app.get('/v2/usercollection/:collection/:id', (request, reply) => {
      const { collection, id } = request.params as { collection: string; id: string };
      return this.#api(request, reply, collection, (account, send) => {
        const found = this.documents(account.id, collection === 'vO2_max' ? 'vo2_max' : collection).find(
          (document) => document.id === id,
        );
        return found ?? send(404, { detail: 'Document not found' });
      });
    });
    this.#server = app;
    await app.listen({ port, host });
    const address = app.server.address();
    this.url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  /** `/v2/webhook/subscription`: app credentials in headers; the callback is verified before 201. */
  #subscriptionRoutes(app: FastifyInstance) {
    const view = ({ verification_token: _token, ...rest }: OuraSubscription) => rest;
    const authorized = (request: FastifyRequest, reply: FastifyReply) => {
      if (request.headers['x-client-id'] === this.clientId && request.headers['x-client-secret'] === this.clientSecret)
        return true;
      this.#log(request, 401);
      void reply.status(401).send({ detail: 'Invalid client credentials' });
      return false;
    };
    const expiry = () => new Date(Date.now() + this.#options.subscriptionDays * 86_400_000).toISOString();
    app.get('/v2/webhook/subscription', async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      this.#log(request, 200);
      return [...this.subscriptions.values()].map(view);
    });
    app.post('/v2/webhook/subscription', async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const { callback_url, verification_token, event_type, data_type } = body;
      if (!callback_url || !verification_token || !event_type || !data_type) {
        this.#log(request, 422);
        return reply
          .status(422)
          .send({ detail: [{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }] });
      }
      const taken = [...this.subscriptions.values()].some(
        (s) => s.event_type === event_type && s.data_type === data_type,
      );
      if (taken) {
        this.#log(request, 409);
        return reply.status(409).send({ detail: 'Subscription already exists' });
      }
      const verified = await this.verifyCallback(callback_url, verification_token).catch(() => undefined);
      if (verified?.status !== 200 || typeof (verified.body as { challenge?: unknown })?.challenge !== 'string') {
        this.#log(request, 400);
        return reply.status(400).send({ detail: 'Callback verification failed' });
      }
      const subscription: OuraSubscription = {
        id: randomBytes(8).toString('hex'),
        callback_url,
        verification_token,
        event_type,
        data_type,
        expiration_time: expiry(),
      };
      this.subscriptions.set(subscription.id, subscription);
      this.#log(request, 201);
      return reply.status(201).send(view(subscription));
    });
    app.put('/v2/webhook/subscription/renew/:id', async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const found = this.subscriptions.get((request.params as { id: string }).id);
      if (!found) {
        this.#log(request, 403);
        return reply.status(403).send({ detail: 'Forbidden' });
      }
      found.expiration_time = expiry();
      this.#log(request, 200);
      return view(found);
    });
    app.delete('/v2/webhook/subscription/:id', async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      this.subscriptions.delete((request.params as { id: string }).id);
      this.#log(request, 204);
      return reply.status(204).send();
    });
  }

  #log(request: FastifyRequest, status: number, extra: Partial<LoggedRequest> = {}): void {
    const auth = request.headers.authorization;
    this.requests.push({
      method: request.method,
      path: request.url.split('?')[0]!,
      query: Object.fromEntries(new URL(request.url, 'http://x').searchParams),
      status,
      userId: auth?.startsWith('Bearer ') ? this.#access.get(auth.slice(7))?.accountId : undefined,
      at: Date.now(),
      ...extra,
    });
  }

  /** Oura's consent screen, decided in advance by the test: redirects back at once. */
  #authorize(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, string | undefined>;
    if (query.response_type !== 'code' || query.client_id !== this.clientId || !query.redirect_uri) {
      this.#log(request, 400);
      return reply.status(400).send({ detail: 'response_type=code, a known client_id and redirect_uri are required' });
    }
    if (query.code_challenge !== undefined && query.code_challenge_method !== 'S256') {
      this.#log(request, 400);
      return reply.status(400).send({ detail: 'code_challenge_method must be S256' });
    }
    const target = new URL(query.redirect_uri);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    const consent = this.#consent ?? { grant: true, accountId: [...this.#accounts.keys()][0] ?? '' };
    if (!consent.grant) {
      target.searchParams.set('error', consent.error ?? 'access_denied');
      this.#log(request, 302);
      return reply.redirect(target.toString(), 302);
    }
    const requestedScope = query.scope ?? 'email personal daily heartrate workout session spo2Daily';
    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, {
      accountId: consent.accountId,
      redirectUri: query.redirect_uri,
      challenge: query.code_challenge ?? null,
      scope: consent.scopes ? consent.scopes.join(' ') : requestedScope,
      requestedScope,
      expiresAt: Date.now() + 10 * 60_000,
    });
    target.searchParams.set('code', code);
    this.#log(request, 302, { userId: consent.accountId });
    return reply.redirect(target.toString(), 302);
  }

  #token(request: FastifyRequest, reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const grantType = field('grant_type');
    const fail = (status: number, error: string, description: string) => {
      this.#log(request, status, { grantType });
      return reply.status(status).send({ error, error_description: description });
    };
    if (field('client_id') !== this.clientId || field('client_secret') !== this.clientSecret)
      return fail(401, 'invalid_client', 'Client authentication failed');
    let accountId: string;
    let granted: string;
    let scope: string | undefined;
    if (grantType === 'authorization_code') {
      const code = this.#codes.get(field('code') ?? '');
      this.#codes.delete(field('code') ?? '');
      if (!code || code.expiresAt < Date.now()) return fail(400, 'invalid_grant', 'Invalid or expired code');
      if (field('redirect_uri') !== code.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri mismatch');
      if (code.challenge !== null) {
        const verifier = field('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
          return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      }
      accountId = code.accountId;
      granted = code.scope;
      if (code.scope !== code.requestedScope) scope = code.scope;
    } else if (grantType === 'refresh_token') {
      const owner = this.#refresh.get(field('refresh_token') ?? '');
      if (!owner) return fail(400, 'invalid_grant', 'Invalid or revoked refresh token');
      this.#refresh.delete(field('refresh_token')!); // single use: rotated on every refresh
      accountId = owner.accountId;
      granted = owner.scope;
    } else {
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    const accessToken = randomBytes(24).toString('hex');
    const refreshToken = randomBytes(24).toString('hex');
    this.#access.set(accessToken, {
      accountId,
      scope: granted,
      expiresAt: Date.now() + this.#options.accessTokenSeconds * 1000,
    });
    this.#refresh.set(refreshToken, { accountId, scope: granted });
    this.#log(request, 200, { grantType, userId: accountId });
    return reply.send({
      token_type: 'bearer',
      access_token: accessToken,
      expires_in: this.#options.accessTokenSeconds,
      refresh_token: refreshToken,
      ...(scope === undefined ? {} : { scope }),
    });
  }

  #revoke(request: FastifyRequest, reply: FastifyReply) {
    const token = (request.query as Record<string, string | undefined>).access_token ?? '';
    const access = this.#access.get(token);
    if (!access) {
      this.#log(request, 401);
      return reply.status(401).send({ detail: 'Invalid token' });
    }
    this.revokeGrant(access.accountId);
    this.#log(request, 200, { userId: access.accountId });
    return reply.send({});
  }

  #api(
    request: FastifyRequest,
    reply: FastifyReply,
    collection: string,
    handler: (account: OuraAccount, send: (status: number, body: unknown) => FastifyReply) => unknown,
  ) {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? this.#access.get(auth.slice(7)) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      this.#log(request, 401);
      return reply.status(401).send({ detail: 'Unauthorized' });
    }
    const needed = COLLECTION_SCOPES[collection];
    if (needed && !token.scope.split(' ').includes(needed)) {
      this.#log(request, 403);
      return reply.status(403).send({ detail: `Missing scope ${needed}` });
    }
    let status = 200;
    const send = (code: number, body: unknown) => {
      status = code;
      return reply.status(code).send(body);
    };
    const result = handler(this.#accounts.get(token.accountId)!, send);
    this.#log(request, status);
    return status === 200 ? reply.send(result) : result;
  }

  /** Oura's envelope: `{data, next_token}`; the token is the next offset, opaque to clients. */
  #page(rows: Record<string, unknown>[], token: string | undefined, size: number) {
    const offset = token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0;
    const next = offset + size < rows.length ? Buffer.from(String(offset + size)).toString('base64url') : null;
    return { data: rows.slice(offset, offset + size), next_token: next };
  }

  documents(accountId: string, collection: string): Record<string, unknown>[] {
    return this.#documents.get(accountId)?.get(collection) ?? [];
  }
}
