import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { createHash, randomBytes } from 'node:crypto';
import { generateDay, seededRandom, type Random, type Summary } from './generate.ts';

/**
 * A local Garmin Connect Developer Program back end following
 * ../shared/research/providers.md §3: the OAuth2 PKCE consent page (`/oauth2Confirm`,
 * answering at once with the consent a test chose) and token endpoint
 * (`/di-oauth2-service/oauth/token`, S256 required, refresh tokens rotated on every use),
 * the user endpoints (`/wellness-api/rest/user/{id,permissions,registration}`, also under
 * `/partner-gateway/rest/`), ping callbacks (`/wellness-api/rest/<type>?upload…&token=`),
 * backfill (`/wellness-api/rest/backfill/<type>` → 202, then the data is delivered like a
 * new sync; 409 for a duplicate; 400 past the per-type range), and Garmin calling the app:
 * push or ping notifications per summary type, deregistrations and permission changes,
 * with `garmin-client-id`. Faults on demand (any status, 429 with Retry-After); every
 * request and every delivery is logged.
 */
export interface GarminEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  accessTokenSeconds?: number;
  seed?: number;
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

export interface Delivery {
  body: string;
  status: number;
}

export type Consent = { grant: true; accountId: string } | { grant: false; error?: string };
export type Mode = 'push' | 'ping';

interface Fault {
  method?: string;
  path: string | RegExp;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  remaining: number;
}

interface Stored {
  summary: Summary;
  uploadedAt: number;
}

export const DEFAULT_PERMISSIONS = [
  'ACTIVITY_EXPORT',
  'HEALTH_EXPORT',
  'MCT_EXPORT',
  'HISTORICAL_DATA_EXPORT',
  'WORKOUT_IMPORT',
] as const;

/** Backfill path → notification list key, and the longest range one request may ask (days). */
const BACKFILL: Readonly<Record<string, { key: string; maxDays: number }>> = {
  dailies: { key: 'dailies', maxDays: 90 },
  epochs: { key: 'epochs', maxDays: 90 },
  sleeps: { key: 'sleeps', maxDays: 90 },
  bodyComps: { key: 'bodyComps', maxDays: 90 },
  stressDetails: { key: 'stressDetails', maxDays: 90 },
  userMetrics: { key: 'userMetrics', maxDays: 90 },
  pulseOx: { key: 'pulseox', maxDays: 90 },
  respiration: { key: 'allDayRespiration', maxDays: 90 },
  hrv: { key: 'hrv', maxDays: 90 },
  bloodPressures: { key: 'bloodPressures', maxDays: 90 },
  skinTemp: { key: 'skinTemp', maxDays: 90 },
  healthSnapshot: { key: 'healthSnapshot', maxDays: 90 },
  activities: { key: 'activities', maxDays: 30 },
  activityDetails: { key: 'activityDetails', maxDays: 30 },
  moveiq: { key: 'moveIQActivities', maxDays: 30 },
  mct: { key: 'mct', maxDays: 90 },
};
/** Notification list key → the pull path of its ping callbacks. */
const PULL_PATH: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(BACKFILL).map(([path, { key }]) => [key, path]),
);

export class GarminEmulator {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: LoggedRequest[] = [];
  readonly deliveries: Delivery[] = [];
  /** Where Garmin sends notifications (TRIBUTARY_PUBLIC_URL/providers/garmin/webhook). */
  webhookUrl = '';
  /** Ping or push, per summary type (the Endpoint Configuration tool); default push. */
  readonly modes = new Map<string, Mode>();
  readonly #options: Required<GarminEmulatorOptions>;
  readonly #accounts = new Map<string, { permissions: string[]; cycleStart?: string; offsetSeconds: number }>();
  readonly #summaries = new Map<string, Map<string, Map<string, Stored>>>();
  readonly #codes = new Map<string, { accountId: string; redirectUri: string; challenge: string; expiresAt: number }>();
  readonly #access = new Map<string, { accountId: string; expiresAt: number }>();
  readonly #refresh = new Map<string, string>();
  readonly #pullTokens = new Map<string, { accountId: string; expiresAt: number }>();
  readonly #backfills = new Set<string>();
  readonly #faults: Fault[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #random: Random;
  #consent: Consent | undefined;
  #server: FastifyInstance | undefined;
  url = '';

  constructor(options: GarminEmulatorOptions = {}) {
    this.#options = {
      clientId: 'garmin-test-consumer-key',
      clientSecret: 'garmin-test-consumer-secret',
      accessTokenSeconds: 86_400,
      seed: 11,
      ...options,
    };
    this.clientId = this.#options.clientId;
    this.clientSecret = this.#options.clientSecret;
    this.#random = seededRandom(this.#options.seed);
  }

  // ---- test controls -------------------------------------------------------------------

  /** A Garmin user; `cycleStart` (yyyy-mm-dd) gives them menstrual cycle tracking. */
  addAccount(input: { id?: string; permissions?: string[]; cycleStart?: string; offsetSeconds?: number } = {}): {
    id: string;
  } {
    const id = input.id ?? createHash('md5').update(randomBytes(8)).digest('hex');
    this.#accounts.set(id, {
      permissions: input.permissions ?? [...DEFAULT_PERMISSIONS],
      cycleStart: input.cycleStart,
      offsetSeconds: input.offsetSeconds ?? 7200,
    });
    this.#summaries.set(id, this.#summaries.get(id) ?? new Map());
    return { id };
  }

  setConsent(consent: Consent): void {
    this.#consent = consent;
  }

  /** `days` days of generated history ending yesterday, uploaded when they happened (nothing is notified). */
  addHistory(accountId: string, days: number, now = Date.now()): void {
    const account = this.#account(accountId);
    for (let i = days; i >= 1; i--) {
      const day = new Date(now - i * 86_400_000).toISOString().slice(0, 10);
      const generated = generateDay(this.#random, accountId, day, account.offsetSeconds, {
        cycleStart: account.cycleStart,
      });
      for (const [type, list] of Object.entries(generated.summaries))
        for (const summary of list) this.#put(accountId, type, summary, Date.parse(`${day}T23:00:00Z`) / 1000);
    }
  }

  /** Stores (or updates in place) a summary as uploaded now, without notifying. */
  put(accountId: string, type: string, summary: Summary): void {
    this.#put(accountId, type, summary, Math.floor(Date.now() / 1000));
  }

  summaries(accountId: string, type: string): Summary[] {
    return [...(this.#summaries.get(accountId)?.get(type)?.values() ?? [])].map((s) => s.summary);
  }

  /** The user synced their device: the summaries are stored and Garmin notifies (push or ping, per type). */
  async sync(accountId: string, type: string, summaries: Summary[]): Promise<Response> {
    const now = Math.floor(Date.now() / 1000);
    for (const summary of summaries) this.#put(accountId, type, summary, now);
    return this.notify(accountId, type, summaries, { uploadStart: now - 1, uploadEnd: now + 1 });
  }

  /** Sends one notification of `type` for the account: the summaries (push), or a callback to them (ping). */
  async notify(
    accountId: string,
    type: string,
    summaries: Summary[],
    range: { uploadStart: number; uploadEnd: number },
    mode: Mode = this.modes.get(type) ?? 'push',
  ): Promise<Response> {
    const body =
      mode === 'push'
        ? { [type]: summaries.map((summary) => ({ userId: accountId, ...summary })) }
        : { [type]: [{ userId: accountId, callbackURL: this.callbackUrl(accountId, type, range) }] };
    return this.deliver(JSON.stringify(body));
  }

  /** A ping callback URL: the upload range and a short-lived pull token (not a user access token). */
  callbackUrl(accountId: string, type: string, range: { uploadStart: number; uploadEnd: number }): string {
    const token = randomBytes(12).toString('hex');
    this.#pullTokens.set(token, { accountId, expiresAt: Date.now() + 7 * 86_400_000 });
    const url = new URL(`${this.url}/wellness-api/rest/${PULL_PATH[type] ?? type}`);
    url.searchParams.set('uploadStartTimeInSeconds', String(range.uploadStart));
    url.searchParams.set('uploadEndTimeInSeconds', String(range.uploadEnd));
    url.searchParams.set('token', token);
    return url.toString();
  }

  /** POSTs raw bytes to the webhook as Garmin does (`clientId` overrides the header: a forged sender). */
  async deliver(body: string, options: { clientId?: string } = {}): Promise<Response> {
    if (!this.webhookUrl) throw new Error('GarminEmulator.webhookUrl is not set');
    const send = () =>
      fetch(this.webhookUrl!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'user-agent': 'Garmin Health API',
          'garmin-client-id': options.clientId ?? this.clientId,
        },
        body,
      });
    // A pooled keep-alive socket the server closed as idle just before reuse fails with a reset
    // before any byte of the request is read (seen under load). Garmin retries a failed push;
    // the emulator retries such a send once.
    const response = await send().catch((error: unknown) => {
      if (!isStaleSocket(error)) throw error;
      return send();
    });
    this.deliveries.push({ body, status: response.status });
    return response;
  }

  /** The user removed the app in Garmin Connect: tokens stop working and a deregistration is sent. */
  async deregister(accountId: string): Promise<Response> {
    this.revokeGrant(accountId);
    return this.deliver(JSON.stringify({ deregistrations: [{ userId: accountId }] }));
  }

  /** The user changed what they share: `permissions` is the full new set. */
  async changePermissions(accountId: string, permissions: string[]): Promise<Response> {
    this.#account(accountId).permissions = permissions;
    return this.deliver(
      JSON.stringify({
        userPermissionsChange: [
          {
            userId: accountId,
            summaryId: `x${randomBytes(4).toString('hex')}`,
            permissions,
            changeTimeInSeconds: Math.floor(Date.now() / 1000),
          },
        ],
      }),
    );
  }

  failNext(
    match: { method?: string; path: string | RegExp },
    answer: { status: number; headers?: Record<string, string>; body?: unknown; times?: number },
  ): void {
    this.#faults.push({
      ...match,
      status: answer.status,
      headers: answer.headers ?? {},
      body: answer.body ?? { errorMessage: answer.status === 429 ? 'Too Many Requests' : 'Internal Server Error' },
      remaining: answer.times ?? 1,
    });
  }

  expireAccessTokens(accountId?: string): void {
    for (const token of this.#access.values()) if (!accountId || token.accountId === accountId) token.expiresAt = 0;
  }

  revokeGrant(accountId: string): void {
    for (const [token, owner] of this.#refresh) if (owner === accountId) this.#refresh.delete(token);
    for (const [token, access] of this.#access) if (access.accountId === accountId) this.#access.delete(token);
  }

  hasGrant(accountId: string): boolean {
    return [...this.#refresh.values()].includes(accountId);
  }

  /** Resolves when every delivery the emulator started on its own (backfills, deregistrations) has been answered. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  apiRequests(path?: string): LoggedRequest[] {
    return this.requests.filter((request) => !path || request.path.startsWith(path));
  }

  // ---- server --------------------------------------------------------------------------

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = Fastify({ logger: false });
    await app.register(formbody);
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
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
    app.get('/oauth2Confirm', (request, reply) => this.#authorize(request, reply));
    app.post('/di-oauth2-service/oauth/token', (request, reply) => this.#token(request, reply));
    for (const prefix of ['/wellness-api/rest', '/partner-gateway/rest']) {
      app.get(`${prefix}/user/id`, (request, reply) => this.#user(request, reply, (id) => ({ userId: id })));
      app.get(`${prefix}/user/permissions`, (request, reply) =>
        this.#user(request, reply, (id) => this.#account(id).permissions),
      );
      app.delete(`${prefix}/user/registration`, (request, reply) =>
        this.#user(request, reply, (id) => {
          this.revokeGrant(id);
          this.#background(this.deliver(JSON.stringify({ deregistrations: [{ userId: id }] })));
          return undefined;
        }),
      );
    }
    app.get('/wellness-api/rest/backfill/:type', (request, reply) => this.#backfill(request, reply));
    app.get('/wellness-api/rest/:type', (request, reply) => this.#pull(request, reply));
    this.#server = app;
    await app.listen({ port, host });
    const address = app.server.address();
    this.url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.#server?.close();
  }

  #account(id: string) {
    const account = this.#accounts.get(id);
    if (!account) throw new Error(`no emulator account ${id}`);
    return account;
  }

  #put(accountId: string, type: string, summary: Summary, uploadedAt: number): void {
    const byType = this.#summaries.get(accountId);
    if (!byType) throw new Error(`no emulator account ${accountId}`);
    const list = byType.get(type) ?? new Map<string, Stored>();
    list.set(String(summary.summaryId), { summary, uploadedAt });
    byType.set(type, list);
  }

  #background(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
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

  #bearer(request: FastifyRequest): { accountId: string } | undefined {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? this.#access.get(auth.slice(7)) : undefined;
    return token && token.expiresAt > Date.now() ? token : undefined;
  }

  /** The consent page, decided in advance by the test: redirects back at once. */
  #authorize(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, string | undefined>;
    if (query.response_type !== 'code' || query.client_id !== this.clientId || !query.redirect_uri) {
      this.#log(request, 400);
      return reply
        .status(400)
        .send({ errorMessage: 'response_type=code, a known client_id and redirect_uri are required' });
    }
    if (!query.code_challenge || query.code_challenge_method !== 'S256') {
      this.#log(request, 400);
      return reply.status(400).send({ errorMessage: 'PKCE with code_challenge_method=S256 is required' });
    }
    const target = new URL(query.redirect_uri);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    const consent = this.#consent ?? { grant: true, accountId: [...this.#accounts.keys()][0] ?? '' };
    if (!consent.grant) {
      target.searchParams.set('error', consent.error ?? 'access_denied');
      this.#log(request, 302);
      return reply.redirect(target.toString(), 302);
    }
    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, {
      accountId: consent.accountId,
      redirectUri: query.redirect_uri,
      challenge: query.code_challenge,
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
    if (grantType === 'authorization_code') {
      const code = this.#codes.get(field('code') ?? '');
      this.#codes.delete(field('code') ?? '');
      if (!code || code.expiresAt < Date.now()) return fail(400, 'invalid_grant', 'Invalid or expired code');
      if (field('redirect_uri') !== undefined && field('redirect_uri') !== code.redirectUri)
        return fail(400, 'invalid_grant', 'redirect_uri mismatch');
      if (
        createHash('sha256')
          .update(field('code_verifier') ?? '')
          .digest('base64url') !== code.challenge
      )
        return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      accountId = code.accountId;
    } else if (grantType === 'refresh_token') {
      const owner = this.#refresh.get(field('refresh_token') ?? '');
      if (!owner) return fail(400, 'invalid_grant', 'Invalid or revoked refresh token');
      this.#refresh.delete(field('refresh_token')!); // a new refresh token on every refresh
      accountId = owner;
    } else {
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    const accessToken = randomBytes(24).toString('hex');
    const refreshToken = randomBytes(24).toString('hex');
    this.#access.set(accessToken, { accountId, expiresAt: Date.now() + this.#options.accessTokenSeconds * 1000 });
    this.#refresh.set(refreshToken, accountId);
    this.#log(request, 200, { grantType, userId: accountId });
    return reply.send({
      access_token: accessToken,
      expires_in: this.#options.accessTokenSeconds,
      token_type: 'bearer',
      refresh_token: refreshToken,
      scope: 'PARTNER_READ PARTNER_WRITE CONNECT_READ CONNECT_WRITE',
      jti: randomBytes(8).toString('hex'),
      refresh_token_expires_in: 7_776_000,
    });
  }

  #user(request: FastifyRequest, reply: FastifyReply, answer: (accountId: string) => unknown) {
    const token = this.#bearer(request);
    if (!token) {
      this.#log(request, 401);
      return reply.status(401).send({ errorMessage: 'Unauthorized' });
    }
    const value = answer(token.accountId);
    if (value === undefined) {
      this.#log(request, 204);
      return reply.status(204).send();
    }
    this.#log(request, 200);
    return reply.send(value);
  }

  /** A ping callback: the summaries of that type the user uploaded within the range. */
  #pull(request: FastifyRequest, reply: FastifyReply) {
    const { type: path } = request.params as { type: string };
    const query = request.query as Record<string, string | undefined>;
    const pull = this.#pullTokens.get(query.token ?? '');
    const auth = request.headers.authorization;
    // Whether Garmin wants the user's Bearer token too is unconfirmed: accepted with or without, but a stale one is refused.
    if (!pull || pull.expiresAt < Date.now() || (auth !== undefined && !this.#bearer(request))) {
      this.#log(request, 401);
      return reply.status(401).send({ errorMessage: 'Unauthorized' });
    }
    const from = Number(query.uploadStartTimeInSeconds);
    const to = Number(query.uploadEndTimeInSeconds);
    if (!Number.isInteger(from) || !Number.isInteger(to) || to < from || to - from > 86_400) {
      this.#log(request, 400);
      return reply.status(400).send({ errorMessage: 'upload range must be whole seconds, at most 24 hours' });
    }
    const key = BACKFILL[path]?.key ?? path;
    const found = [...(this.#summaries.get(pull.accountId)?.get(key)?.values() ?? [])]
      .filter((s) => s.uploadedAt >= from && s.uploadedAt <= to)
      .map((s) => ({ userId: pull.accountId, ...s.summary }));
    this.#log(request, 200, { userId: pull.accountId });
    return reply.send(found);
  }

  /** Backfill: 202 at once; the summaries recorded in the range are then delivered as if newly synced. */
  #backfill(request: FastifyRequest, reply: FastifyReply) {
    const { type: path } = request.params as { type: string };
    const query = request.query as Record<string, string | undefined>;
    const token = this.#bearer(request);
    if (!token) {
      this.#log(request, 401);
      return reply.status(401).send({ errorMessage: 'Unauthorized' });
    }
    const account = this.#account(token.accountId);
    if (!account.permissions.includes('HISTORICAL_DATA_EXPORT')) {
      this.#log(request, 403);
      return reply.status(403).send({ errorMessage: 'HISTORICAL_DATA_EXPORT permission required' });
    }
    const spec = BACKFILL[path];
    const from = Number(query.summaryStartTimeInSeconds);
    const to = Number(query.summaryEndTimeInSeconds);
    if (!spec) {
      this.#log(request, 404);
      return reply.status(404).send({ errorMessage: `unknown summary type ${path}` });
    }
    if (!Number.isInteger(from) || !Number.isInteger(to) || to <= from) {
      this.#log(request, 400);
      return reply
        .status(400)
        .send({ errorMessage: 'summaryStartTimeInSeconds and summaryEndTimeInSeconds (seconds) are required' });
    }
    if (to - from > spec.maxDays * 86_400) {
      this.#log(request, 400);
      return reply.status(400).send({ errorMessage: `range longer than ${spec.maxDays} days` });
    }
    const identity = `${token.accountId}:${path}:${from}:${to}`;
    if (this.#backfills.has(identity)) {
      this.#log(request, 409);
      return reply
        .status(409)
        .send({ errorMessage: `[${randomBytes(4).toString('hex')}]duplicate backfill processed` });
    }
    this.#backfills.add(identity);
    this.#log(request, 202, { userId: token.accountId });
    const found = [...(this.#summaries.get(token.accountId)?.get(spec.key)?.values() ?? [])].filter((s) => {
      const at = recordedAt(s.summary);
      return at !== undefined && at >= from && at < to;
    });
    if (found.length > 0) {
      const now = Math.floor(Date.now() / 1000);
      for (const stored of found) stored.uploadedAt = now;
      this.#background(
        (async () => {
          await new Promise((resolve) => setImmediate(resolve));
          await this.notify(
            token.accountId,
            spec.key,
            found.map((s) => s.summary),
            { uploadStart: now - 1, uploadEnd: now + 1 },
          );
        })(),
      );
    }
    return reply.status(202).send();
  }
}

/** When a summary was recorded (backfill ranges are by recording time, not upload time). */
function recordedAt(summary: Summary): number | undefined {
  for (const field of ['startTimeInSeconds', 'measurementTimeInSeconds', 'lastUpdatedTimeInSeconds'])
    if (typeof summary[field] === 'number') return summary[field];
  const inner = summary.summary as Summary | undefined; // activity details
  if (typeof inner?.startTimeInSeconds === 'number') return inner.startTimeInSeconds;
  // Once-a-day summaries without a start (user metrics): their calendar day.
  const day = typeof summary.calendarDate === 'string' ? Date.parse(`${summary.calendarDate}T00:00:00Z`) : NaN;
  return Number.isFinite(day) ? day / 1000 : undefined;
}

function isStaleSocket(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}
