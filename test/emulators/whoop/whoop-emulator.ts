import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { generateNight, seededRandom, type GeneratedNight, type Random } from './generate.ts';

/**
 * A local WHOOP developer API v2 following the project's provider research §4 (WHOOP's
 * OpenAPI, OAuth and webhook pages): the authorize page (`/oauth/oauth2/auth`, answering at
 * once with the consent a test chose; a `state` shorter than 8 characters is refused with
 * `invalid_state`, as WHOOP's Hydra-based server does), the token endpoint (authorization
 * code with optional PKCE; a refresh token only with the `offline` scope, single-use and
 * rotated, the refresh grant naming `scope=offline`), `DELETE /developer/v2/user/access`,
 * and the collections under `/developer/v2/` (`records` + `next_token`, newest first,
 * `limit` ≤ 25, `start` inclusive, `end` exclusive), with `X-RateLimit-*` headers.
 * Webhooks: `notify` signs like WHOOP (base64 HMAC-SHA256 of timestamp + body with the
 * client secret). Faults on demand: any status (401, 429 with Retry-After, 5xx), revoked
 * grants, expired tokens; duplicate and late notifications are `notify` with the same body or
 * an old timestamp. Every request is logged for assertions.
 * Assumption (not documented by WHOOP): a collection whose scope was not granted answers 403.
 */
export interface WhoopEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of access tokens, seconds (WHOOP: 3600). */
  accessTokenSeconds?: number;
  seed?: number;
  /** What a `recovery.*` notification's `id` carries: the cycle id (WHOOP's docs) or the sleep UUID (v2 integrations). */
  recoveryId?: 'cycle' | 'sleep';
}

export const API = '/developer';

/** The scope each path needs. */
const SCOPES: readonly [RegExp, string][] = [
  [/^\/v2\/cycle\/[^/]+\/sleep$/, 'read:sleep'],
  [/^\/v2\/cycle\/[^/]+\/recovery$/, 'read:recovery'],
  [/^\/v2\/cycle/, 'read:cycles'],
  [/^\/v2\/recovery/, 'read:recovery'],
  [/^\/v2\/activity\/sleep/, 'read:sleep'],
  [/^\/v2\/activity\/workout/, 'read:workout'],
  [/^\/v2\/user\/profile/, 'read:profile'],
  [/^\/v2\/user\/measurement/, 'read:body_measurement'],
];

const ALL_SCOPES = 'offline read:recovery read:cycles read:workout read:sleep read:profile read:body_measurement';

export interface WhoopAccount {
  userId: number;
  email: string;
  first_name: string;
  last_name: string;
  body: { height_meter: number; weight_kilogram: number; max_heart_rate: number };
}

export type WhoopCollection = 'cycle' | 'recovery' | 'sleep' | 'workout';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  userId?: number;
  grantType?: string;
  form?: Record<string, string>;
  at: number;
}

/** What the next authorize request answers: the account grants (optionally fewer scopes) or refuses. */
export type Consent = { grant: true; userId: number; scopes?: string[] } | { grant: false; error?: string };

interface Fault {
  method?: string;
  path: string | RegExp;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  remaining: number;
}

interface Code {
  userId: number;
  redirectUri: string;
  challenge: string | null;
  scope: string;
  expiresAt: number;
}

type Doc = Record<string, unknown>;

export class WhoopEmulator {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: LoggedRequest[] = [];
  readonly #options: Required<WhoopEmulatorOptions>;
  readonly #accounts = new Map<number, WhoopAccount>();
  readonly #documents = new Map<number, Record<WhoopCollection, Doc[]>>();
  readonly #codes = new Map<string, Code>();
  readonly #access = new Map<string, { userId: number; expiresAt: number; scope: string }>();
  readonly #refresh = new Map<string, { userId: number; scope: string }>();
  readonly #random: Random;
  readonly #faults: Fault[] = [];
  #consent: Consent | undefined;
  #server: FastifyInstance | undefined;
  #nextUserId = 10_129;
  #nextCycleId = 93_845;
  #windowStart = 0;
  #windowCount = 0;
  url = '';

  constructor(options: WhoopEmulatorOptions = {}) {
    this.#options = {
      clientId: 'whoop-test-client',
      clientSecret: 'whoop-test-secret',
      accessTokenSeconds: 3600,
      seed: 11,
      recoveryId: 'cycle',
      ...options,
    };
    this.clientId = this.#options.clientId;
    this.clientSecret = this.#options.clientSecret;
    this.#random = seededRandom(this.#options.seed);
  }

  /** The settings that point Tributary at this emulator (both hosts are this one). */
  get baseUrl(): string {
    return this.url + API;
  }

  // ---- test controls -------------------------------------------------------------------

  addAccount(input: Partial<WhoopAccount> = {}): WhoopAccount {
    const account: WhoopAccount = {
      userId: input.userId ?? this.#nextUserId++,
      email: 'athlete@example.com',
      first_name: 'Jo',
      last_name: 'Rivera',
      body: { height_meter: 1.7526, weight_kilogram: 72.5748, max_heart_rate: 194 },
      ...input,
    };
    this.#accounts.set(account.userId, account);
    if (!this.#documents.has(account.userId))
      this.#documents.set(account.userId, { cycle: [], recovery: [], sleep: [], workout: [] });
    return account;
  }

  /** The answer of the next authorize request (default: the first account grants everything). */
  setConsent(consent: Consent): void {
    this.#consent = consent;
  }

  setBody(userId: number, body: WhoopAccount['body']): void {
    this.#account(userId).body = body;
  }

  /**
   * `days` cycles, the last one in progress (no `end`): the cycle starting the night before
   * each of the last `days` days, with its sleep and recovery and sometimes a workout.
   */
  addHistory(userId: number, days: number, offsetMinutes = -300, now = Date.now()): void {
    this.#account(userId);
    const nights: GeneratedNight[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const day = new Date(now - i * 86_400_000 + offsetMinutes * 60_000).toISOString().slice(0, 10);
      const cycleId = this.#nextCycleId++;
      nights.push(generateNight(this.#random, { userId, day, offsetMinutes, cycleId, v1Id: cycleId }));
    }
    nights.forEach((night, index) => {
      const next = nights[index + 1];
      if (next) night.cycle.end = next.cycle.start;
      if (Date.parse(String(night.sleep.end)) > now) return; // still asleep: nothing scored yet
      this.addDocument(userId, 'cycle', night.cycle);
      this.addDocument(userId, 'sleep', night.sleep);
      this.addDocument(userId, 'recovery', night.recovery);
      if (night.workout && Date.parse(String(night.workout.end)) < now)
        this.addDocument(userId, 'workout', night.workout);
    });
  }

  /** Adds or replaces a document (by `id`; a recovery by `cycle_id`). */
  addDocument(userId: number, collection: WhoopCollection, document: Doc): void {
    const list = this.#collections(userId)[collection];
    const key = collection === 'recovery' ? 'cycle_id' : 'id';
    const index = list.findIndex((existing) => existing[key] === document[key]);
    if (index >= 0) list[index] = document;
    else list.push(document);
  }

  removeDocument(userId: number, collection: WhoopCollection, id: string | number): void {
    const docs = this.#collections(userId);
    const key = collection === 'recovery' ? 'cycle_id' : 'id';
    docs[collection] = docs[collection].filter((document) => String(document[key]) !== String(id));
  }

  documents(userId: number, collection: WhoopCollection): Doc[] {
    return this.#documents.get(userId)?.[collection] ?? [];
  }

  /** The next `times` requests matching `method path` (prefix or RegExp, path without `/developer`) get this answer. */
  failNext(
    match: { method?: string; path: string | RegExp },
    answer: { status: number; headers?: Record<string, string>; body?: unknown; times?: number },
  ): void {
    this.#faults.push({
      ...match,
      status: answer.status,
      headers: answer.headers ?? {},
      body: answer.body ?? { error: answer.status === 429 ? 'Too Many Requests' : 'Internal Server Error' },
      remaining: answer.times ?? 1,
    });
  }

  expireAccessTokens(userId?: number): void {
    for (const token of this.#access.values()) if (userId === undefined || token.userId === userId) token.expiresAt = 0;
  }

  /** The user removed the app in WHOOP: every token of theirs stops working. */
  revokeGrant(userId: number): void {
    for (const [token, owner] of this.#refresh) if (owner.userId === userId) this.#refresh.delete(token);
    for (const [token, access] of this.#access) if (access.userId === userId) this.#access.delete(token);
  }

  hasGrant(userId: number): boolean {
    return [...this.#refresh.values()].some((owner) => owner.userId === userId);
  }

  // ---- webhooks (WHOOP calling the app) --------------------------------------------------

  /**
   * WHOOP delivering a notification: compact JSON, `X-WHOOP-Signature-Timestamp` (epoch ms)
   * and `X-WHOOP-Signature` = base64(HMAC-SHA256(client secret, timestamp + body)). `notice`
   * may be a string to send malformed bytes; `secret` signs with another key.
   */
  async notify(
    callbackUrl: string,
    notice: Record<string, unknown> | string,
    options: { secret?: string; timestamp?: string } = {},
  ): Promise<Response> {
    const body = typeof notice === 'string' ? notice : JSON.stringify(notice);
    const timestamp = options.timestamp ?? String(Date.now());
    const signature = createHmac('sha256', options.secret ?? this.clientSecret)
      .update(timestamp + body)
      .digest('base64');
    return fetch(callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-whoop-signature-timestamp': timestamp,
        'x-whoop-signature': signature,
      },
      body,
    });
  }

  /** The v2 body WHOOP sends for an object: `{user_id, id, type, trace_id}`. */
  notice(userId: number, type: string, id: string | number, traceId = randomUUID()): Record<string, unknown> {
    return { user_id: userId, id, type, trace_id: traceId };
  }

  /** The `id` of a recovery notification for a cycle, as this emulator is configured to send it. */
  recoveryNoticeId(userId: number, cycleId: number): string | number {
    if (this.#options.recoveryId === 'cycle') return cycleId;
    const recovery = this.documents(userId, 'recovery').find((r) => r.cycle_id === cycleId);
    return String(recovery?.sleep_id ?? '');
  }

  // ---- server --------------------------------------------------------------------------

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = Fastify({ logger: false });
    await app.register(formbody);
    app.addHook('onRequest', async (request, reply) => {
      const path = apiPath(request);
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
    app.get('/oauth/oauth2/auth', (request, reply) => this.#authorize(request, reply));
    app.post('/oauth/oauth2/token', (request, reply) => this.#token(request, reply));
    app.delete(`${API}/v2/user/access`, (request, reply) =>
      this.#api(request, reply, (account, send) => {
        this.revokeGrant(account.userId);
        return send(204, undefined);
      }),
    );
    app.get(`${API}/v2/user/profile/basic`, (request, reply) =>
      this.#api(request, reply, ({ userId, email, first_name, last_name }) => ({
        user_id: userId,
        email,
        first_name,
        last_name,
      })),
    );
    app.get(`${API}/v2/user/measurement/body`, (request, reply) =>
      this.#api(request, reply, (account) => account.body),
    );
    const collection = (path: string, name: WhoopCollection) => {
      app.get(`${API}${path}`, (request, reply) =>
        this.#api(request, reply, (account, send) => this.#page(request, this.documents(account.userId, name), send)),
      );
    };
    collection('/v2/cycle', 'cycle');
    collection('/v2/recovery', 'recovery');
    collection('/v2/activity/sleep', 'sleep');
    collection('/v2/activity/workout', 'workout');
    const byId = (path: string, name: WhoopCollection, key: string, related?: WhoopCollection) => {
      app.get(`${API}${path}`, (request, reply) =>
        this.#api(request, reply, (account, send) => {
          const { id } = request.params as { id: string };
          if (related) {
            const cycle = this.documents(account.userId, 'cycle').find((doc) => String(doc.id) === id);
            const found = cycle && this.documents(account.userId, related).find((doc) => doc.cycle_id === cycle.id);
            return found ?? send(404, { error: 'Not Found' });
          }
          const found = this.documents(account.userId, name).find((doc) => String(doc[key]) === id);
          return found ?? send(404, { error: 'Not Found' });
        }),
      );
    };
    byId('/v2/cycle/:id', 'cycle', 'id');
    byId('/v2/cycle/:id/sleep', 'cycle', 'id', 'sleep');
    byId('/v2/cycle/:id/recovery', 'cycle', 'id', 'recovery');
    byId('/v2/activity/sleep/:id', 'sleep', 'id');
    byId('/v2/activity/workout/:id', 'workout', 'id');
    this.#server = app;
    await app.listen({ port, host });
    const address = app.server.address();
    this.url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  #account(userId: number): WhoopAccount {
    const account = this.#accounts.get(userId);
    if (!account) throw new Error(`no emulator account ${userId}`);
    return account;
  }

  #collections(userId: number): Record<WhoopCollection, Doc[]> {
    const docs = this.#documents.get(userId);
    if (!docs) throw new Error(`no emulator account ${userId}`);
    return docs;
  }

  #log(request: FastifyRequest, status: number, extra: Partial<LoggedRequest> = {}): void {
    const auth = request.headers.authorization;
    this.requests.push({
      method: request.method,
      path: apiPath(request),
      query: Object.fromEntries(new URL(request.url, 'http://x').searchParams),
      status,
      userId: auth?.startsWith('Bearer ') ? this.#access.get(auth.slice(7))?.userId : undefined,
      at: Date.now(),
      ...extra,
    });
  }

  /** WHOOP's consent screen, decided in advance by the test: redirects back at once. */
  #authorize(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, string | undefined>;
    if (query.response_type !== 'code' || query.client_id !== this.clientId || !query.redirect_uri) {
      this.#log(request, 400);
      return reply.status(400).send({ error: 'invalid_request' });
    }
    const target = new URL(query.redirect_uri);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    const fail = (error: string) => {
      target.searchParams.set('error', error);
      this.#log(request, 302);
      return reply.redirect(target.toString(), 302);
    };
    if ((query.state ?? '').length < 8) return fail('invalid_state');
    if (query.code_challenge !== undefined && query.code_challenge_method !== 'S256') return fail('invalid_request');
    const consent = this.#consent ?? { grant: true, userId: [...this.#accounts.keys()][0] ?? 0 };
    if (!consent.grant) return fail(consent.error ?? 'access_denied');
    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, {
      userId: consent.userId,
      redirectUri: query.redirect_uri,
      challenge: query.code_challenge ?? null,
      scope: consent.scopes ? consent.scopes.join(' ') : (query.scope ?? ALL_SCOPES),
      expiresAt: Date.now() + 10 * 60_000,
    });
    target.searchParams.set('code', code);
    target.searchParams.set('scope', consent.scopes ? consent.scopes.join(' ') : (query.scope ?? ALL_SCOPES));
    this.#log(request, 302, { userId: consent.userId });
    return reply.redirect(target.toString(), 302);
  }

  #token(request: FastifyRequest, reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const form = Object.fromEntries(
      Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const grantType = form.grant_type;
    const fail = (status: number, error: string, description: string) => {
      this.#log(request, status, { grantType, form });
      return reply.status(status).send({ error, error_description: description });
    };
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret)
      return fail(401, 'invalid_client', 'Client authentication failed');
    let userId: number;
    let granted: string;
    if (grantType === 'authorization_code') {
      const code = this.#codes.get(form.code ?? '');
      this.#codes.delete(form.code ?? '');
      if (!code || code.expiresAt < Date.now()) return fail(400, 'invalid_grant', 'Invalid or expired code');
      if (form.redirect_uri !== code.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri mismatch');
      if (
        code.challenge !== null &&
        createHash('sha256')
          .update(form.code_verifier ?? '')
          .digest('base64url') !== code.challenge
      )
        return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      userId = code.userId;
      granted = code.scope;
    } else if (grantType === 'refresh_token') {
      if (!(form.scope ?? '').split(' ').includes('offline'))
        return fail(400, 'invalid_request', 'the refresh grant must request scope=offline');
      const owner = this.#refresh.get(form.refresh_token ?? '');
      if (!owner) return fail(400, 'invalid_grant', 'Invalid or revoked refresh token');
      this.#refresh.delete(form.refresh_token!); // rotated: the old one is invalid
      userId = owner.userId;
      granted = owner.scope;
    } else {
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    const accessToken = randomBytes(24).toString('hex');
    this.#access.set(accessToken, {
      userId,
      scope: granted,
      expiresAt: Date.now() + this.#options.accessTokenSeconds * 1000,
    });
    const offline = granted.split(' ').includes('offline');
    const refreshToken = offline ? randomBytes(24).toString('hex') : undefined;
    if (refreshToken) this.#refresh.set(refreshToken, { userId, scope: granted });
    this.#log(request, 200, { grantType, userId, form });
    return reply.send({
      access_token: accessToken,
      expires_in: this.#options.accessTokenSeconds,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: granted,
      token_type: 'bearer',
    });
  }

  #api(
    request: FastifyRequest,
    reply: FastifyReply,
    handler: (account: WhoopAccount, send: (status: number, body: unknown) => FastifyReply) => unknown,
  ) {
    this.#rateHeaders(reply);
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? this.#access.get(auth.slice(7)) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      this.#log(request, 401);
      return reply.status(401).send({ error: 'Authorization was not valid' });
    }
    const path = apiPath(request);
    const needed = SCOPES.find(([pattern]) => pattern.test(path))?.[1];
    if (needed && !token.scope.split(' ').includes(needed)) {
      this.#log(request, 403);
      return reply.status(403).send({ error: `missing scope ${needed}` });
    }
    let status = 200;
    const send = (code: number, body: unknown) => {
      status = code;
      return reply.status(code).send(body);
    };
    const result = handler(this.#account(token.userId), send);
    this.#log(request, status);
    return status === 200 ? reply.send(result) : result;
  }

  /** `X-RateLimit-*` as WHOOP sends them (counted per minute, never enforced: use `failNext` for 429). */
  #rateHeaders(reply: FastifyReply): void {
    const now = Date.now();
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now - (now % 60_000);
      this.#windowCount = 0;
    }
    this.#windowCount++;
    void reply.headers({
      'x-ratelimit-limit': '100, 100;window=60, 10000;window=86400',
      'x-ratelimit-remaining': String(Math.max(0, 100 - this.#windowCount)),
      'x-ratelimit-reset': String(Math.ceil((this.#windowStart + 60_000 - now) / 1000)),
    });
  }

  /** WHOOP's collection read: newest first, `start` ≤ record (or still running), record start < `end`. */
  #page(request: FastifyRequest, documents: Doc[], send: (status: number, body: unknown) => FastifyReply) {
    const query = request.query as Record<string, string | undefined>;
    const limit = query.limit === undefined ? 10 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 25) return send(400, { error: 'limit must be 1..25' });
    const from = query.start ? Date.parse(query.start) : 0;
    const to = query.end ? Date.parse(query.end) : Date.now();
    if (!Number.isFinite(from) || !Number.isFinite(to)) return send(400, { error: 'start and end are date-times' });
    // A recovery has no times of its own: its cycle's.
    const timed = (doc: Doc) => (doc.start === undefined ? (this.#cycleOf(doc) ?? doc) : doc);
    const startOf = (doc: Doc) => Date.parse(String(timed(doc).start));
    const endOf = (doc: Doc) => {
      const end = timed(doc).end;
      return end === undefined ? Number.POSITIVE_INFINITY : Date.parse(String(end));
    };
    const rows = documents
      .filter((doc) => endOf(doc) >= from && startOf(doc) < to)
      .sort((a, b) => startOf(b) - startOf(a));
    const offset = query.nextToken ? Number(Buffer.from(query.nextToken, 'base64url').toString()) || 0 : 0;
    const next = offset + limit < rows.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return { records: rows.slice(offset, offset + limit), next_token: next };
  }

  #cycleOf(recovery: Doc): Doc | undefined {
    for (const docs of this.#documents.values()) {
      const cycle = docs.cycle.find((c) => c.id === recovery.cycle_id);
      if (cycle) return cycle;
    }
    return undefined;
  }
}

/** The request path without the API prefix (`/v2/cycle`), or the OAuth path. */
function apiPath(request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  return path.startsWith(API + '/') ? path.slice(API.length) : path;
}

function randomUUID(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}
