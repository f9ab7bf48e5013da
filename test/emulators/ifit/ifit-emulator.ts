import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { randomBytes } from 'node:crypto';
import {
  generateActivityLog,
  generateLibraryWorkout,
  hexId,
  seededRandom,
  WORKOUT_TYPES,
  type ActivityLog,
  type LibraryWorkout,
  type Random,
  type WorkoutType,
} from './generate.ts';

/**
 * A local iFit API implementing exactly ../shared/research/ifit-api.md: the OAuth token
 * endpoint (password and refresh grants, rotating refresh tokens, expiring access
 * tokens), /v1/me, paged /v1/activity_logs with `after`, log details with `stats`, and
 * library workouts with routes. Tests drive it through its methods; a newcomer drives
 * it through `/_emulator/*` (see README). Every API request is logged for assertions.
 */
export interface IfitEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of access tokens, seconds. */
  accessTokenSeconds?: number;
  /** Issue a new refresh token on every refresh and invalidate the old one (default true). */
  rotateRefreshTokens?: boolean;
  seed?: number;
  /** Seconds between generated samples. */
  sampleSeconds?: number;
}

export interface EmulatorAccount {
  id: string;
  username: string;
  password: string;
  firstname: string;
  lastname: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  at: number;
  /** The bearer token or grant type used. */
  token?: string;
  grantType?: string;
  userId?: string;
  status: number;
}

interface Fault {
  match: (method: string, path: string) => boolean;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  remaining: number;
}

interface AccessToken {
  userId: string;
  expiresAt: number;
}

export class IfitEmulator {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: LoggedRequest[] = [];
  readonly #options: Required<IfitEmulatorOptions>;
  readonly #random: Random;
  readonly #accounts = new Map<string, EmulatorAccount>(); // by id
  readonly #logs = new Map<string, ActivityLog[]>(); // by user id
  readonly #workouts = new Map<string, LibraryWorkout>();
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, string>(); // refresh token → user id
  readonly #faults: Fault[] = [];
  /**
   * Milliseconds every API request (not the token endpoint) waits before it is answered: a slow
   * iFit keeps a backfill in flight long enough for a crash test to kill the server mid-way.
   */
  latencyMs = 0;
  #server: FastifyInstance | undefined;
  url = '';

  constructor(options: IfitEmulatorOptions = {}) {
    this.#options = {
      clientId: 'tributary-test-client',
      clientSecret: 'tributary-test-secret',
      accessTokenSeconds: 3600,
      rotateRefreshTokens: true,
      seed: 42,
      sampleSeconds: 10,
      ...options,
    };
    this.clientId = this.#options.clientId;
    this.clientSecret = this.#options.clientSecret;
    this.#random = seededRandom(this.#options.seed);
  }

  // ---- test controls -------------------------------------------------------------------

  addAccount(input: {
    username: string;
    password: string;
    firstname?: string;
    lastname?: string;
    id?: string;
  }): EmulatorAccount {
    const account: EmulatorAccount = {
      id: input.id ?? hexId(this.#random),
      firstname: 'Demo',
      lastname: 'Athlete',
      ...input,
    };
    this.#accounts.set(account.id, account);
    this.#logs.set(account.id, this.#logs.get(account.id) ?? []);
    return account;
  }

  account(username: string): EmulatorAccount | undefined {
    return [...this.#accounts.values()].find((account) => account.username === username);
  }

  /** Adds one workout log (generated) for the user; returns it. */
  addWorkout(
    userId: string,
    input: {
      type?: WorkoutType;
      start?: number;
      noStrap?: boolean;
      imported?: boolean;
      withLibraryWorkout?: boolean;
    } = {},
  ): ActivityLog {
    const logs = this.#logs.get(userId);
    if (!logs) throw new Error(`no emulator account ${userId}`);
    const type = input.type ?? WORKOUT_TYPES[Math.floor(this.#random() * WORKOUT_TYPES.length)]!;
    const workout =
      input.withLibraryWorkout === false || input.imported ? null : generateLibraryWorkout(this.#random, type);
    if (workout) this.#workouts.set(workout.id, workout);
    const log = generateActivityLog(this.#random, {
      userId,
      type,
      start: input.start ?? Date.now() - 60 * 60_000,
      workout,
      sampleSeconds: this.#options.sampleSeconds,
      noStrap: input.noStrap,
      imported: input.imported,
    });
    logs.push(log);
    return log;
  }

  /** One workout every `everyHours` over the past `days`, cycling through every type. */
  addHistory(userId: string, days: number, everyHours = 36, now = Date.now()): ActivityLog[] {
    const added: ActivityLog[] = [];
    let index = 0;
    for (let start = now - days * 86_400_000 + 3_600_000; start < now - 3_600_000; start += everyHours * 3_600_000) {
      const type = WORKOUT_TYPES[index % WORKOUT_TYPES.length]!;
      added.push(this.addWorkout(userId, { type, start, noStrap: index % 7 === 3, imported: index % 11 === 5 }));
      index++;
    }
    return added;
  }

  logs(userId: string): readonly ActivityLog[] {
    return this.#logs.get(userId) ?? [];
  }

  /** The next `times` requests matching `method path` (path prefix or RegExp) get this answer. */
  failNext(
    match: { method?: string; path: string | RegExp },
    answer: { status: number; headers?: Record<string, string>; body?: unknown; times?: number },
  ): void {
    this.#faults.push({
      match: (method, path) =>
        (!match.method || match.method === method) &&
        (typeof match.path === 'string' ? path.startsWith(match.path) : match.path.test(path)),
      status: answer.status,
      headers: answer.headers ?? {},
      body: answer.body ?? { error: answer.status === 429 ? 'rate_limited' : 'server_error' },
      remaining: answer.times ?? 1,
    });
  }

  /** Makes every access token of the user (or everyone) expired now. */
  expireAccessTokens(userId?: string): void {
    for (const token of this.#access.values()) if (!userId || token.userId === userId) token.expiresAt = 0;
  }

  /** The user revoked the app at iFit: refresh and access tokens stop working. */
  revokeTokens(userId: string): void {
    for (const [token, owner] of this.#refresh) if (owner === userId) this.#refresh.delete(token);
    for (const [token, access] of this.#access) if (access.userId === userId) this.#access.delete(token);
  }

  apiRequests(userId?: string): LoggedRequest[] {
    return this.requests.filter(
      (request) => !request.path.startsWith('/_emulator') && (!userId || request.userId === userId),
    );
  }

  // ---- server --------------------------------------------------------------------------

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = Fastify({ logger: false });
    await app.register(formbody);
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      if (this.latencyMs > 0 && path.startsWith('/v1/'))
        await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const fault = this.#faults.find((candidate) => candidate.remaining > 0 && candidate.match(request.method, path));
      if (!fault) return;
      fault.remaining--;
      this.#log(request, fault.status);
      await reply.status(fault.status).headers(fault.headers).send(fault.body);
    });
    app.post('/oauth/token', (request, reply) => this.#token(request, reply));
    app.get('/v1/me', (request, reply) =>
      this.#api(request, reply, (account) => ({
        id: account.id,
        firstname: account.firstname,
        lastname: account.lastname,
        email: account.username,
        premium: true,
        units: 'metric',
      })),
    );
    app.get('/v1/activity_logs', (request, reply) =>
      this.#api(request, reply, (account) => this.#list(account, request.query as Record<string, string>)),
    );
    app.get('/v1/activity_logs/:id', (request, reply) =>
      this.#api(request, reply, (account, send) => {
        const log = this.logs(account.id).find((candidate) => candidate.id === (request.params as { id: string }).id);
        return log ?? send(404, { error: 'not_found', message: 'Activity log not found' });
      }),
    );
    app.get('/v1/workouts/:id', (request, reply) =>
      this.#api(
        request,
        reply,
        (_account, send) =>
          this.#workouts.get((request.params as { id: string }).id) ??
          send(404, { error: 'not_found', message: 'Workout not found' }),
      ),
    );
    this.#controlRoutes(app);
    this.#server = app;
    await app.listen({ port, host });
    const address = app.server.address();
    this.url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  #log(request: FastifyRequest, status: number, extra: Partial<LoggedRequest> = {}): void {
    const auth = request.headers.authorization;
    this.requests.push({
      method: request.method,
      path: request.url.split('?')[0]!,
      query: Object.fromEntries(new URL(request.url, 'http://x').searchParams),
      at: Date.now(),
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : undefined,
      userId: auth?.startsWith('Bearer ') ? this.#access.get(auth.slice(7))?.userId : undefined,
      status,
      ...extra,
    });
  }

  #token(request: FastifyRequest, reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const grantType = field('grant_type');
    const fail = (status: number, error: string, description: string, userId?: string) => {
      this.#log(request, status, { grantType, userId });
      return reply.status(status).send({ error, error_description: description });
    };
    if (field('client_id') !== this.clientId || field('client_secret') !== this.clientSecret)
      return fail(401, 'invalid_client', 'Client authentication failed');
    let userId: string;
    if (grantType === 'password') {
      const account = this.account(field('username') ?? '');
      if (!account || account.password !== field('password'))
        return fail(401, 'invalid_grant', 'Invalid username or password');
      userId = account.id;
    } else if (grantType === 'refresh_token') {
      const owner = this.#refresh.get(field('refresh_token') ?? '');
      if (!owner) return fail(400, 'invalid_grant', 'Invalid or revoked refresh token');
      userId = owner;
      if (this.#options.rotateRefreshTokens) this.#refresh.delete(field('refresh_token')!);
    } else {
      return fail(400, 'unsupported_grant_type', `grant_type must be password or refresh_token`);
    }
    const accessToken = randomBytes(24).toString('hex');
    this.#access.set(accessToken, { userId, expiresAt: Date.now() + this.#options.accessTokenSeconds * 1000 });
    let refreshToken = field('refresh_token') ?? '';
    if (grantType === 'password' || this.#options.rotateRefreshTokens) {
      refreshToken = randomBytes(24).toString('hex');
      this.#refresh.set(refreshToken, userId);
    }
    this.#log(request, 200, { grantType, userId });
    return reply.send({
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.#options.accessTokenSeconds,
      scope: 'read',
    });
  }

  #api(
    request: FastifyRequest,
    reply: FastifyReply,
    handler: (account: EmulatorAccount, send: (status: number, body: unknown) => FastifyReply) => unknown,
  ) {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? this.#access.get(auth.slice(7)) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      this.#log(request, 401);
      return reply
        .status(401)
        .send({ error: 'invalid_token', message: token ? 'Access token expired' : 'Invalid access token' });
    }
    const account = this.#accounts.get(token.userId)!;
    let status = 200;
    const send = (code: number, body: unknown) => {
      status = code;
      return reply.status(code).send(body);
    };
    const result = handler(account, send);
    this.#log(request, status);
    return status === 200 ? reply.send(result) : result;
  }

  #list(account: EmulatorAccount, query: Record<string, string>) {
    const perPage = Math.min(100, Math.max(1, Number(query.perPage) || 20));
    const page = Math.max(1, Number(query.page) || 1);
    const after = query.after ? Number(query.after) : undefined;
    const logs = this.logs(account.id)
      .filter((log) => after === undefined || log.start > after)
      .sort((a, b) => b.start - a.start);
    return logs.slice((page - 1) * perPage, page * perPage).map(({ stats: _stats, ...item }) => item);
  }

  /** Controls for people (the demo): add a workout now, see the request log. */
  #controlRoutes(app: FastifyInstance) {
    app.post('/_emulator/accounts/:username/workouts', async (request, reply) => {
      const account = this.account(decodeURIComponent((request.params as { username: string }).username));
      if (!account) return reply.status(404).send({ error: 'no such account' });
      const body = (request.body ?? {}) as { type?: string };
      const type = WORKOUT_TYPES.includes(body.type as WorkoutType) ? (body.type as WorkoutType) : undefined;
      const log = this.addWorkout(account.id, { type, start: Date.now() - 5 * 60_000 });
      const { stats: _stats, ...item } = log;
      return reply.status(201).send(item);
    });
    app.get('/_emulator/requests', async () => this.requests.slice(-200));
    app.get('/', async (_request, reply) =>
      reply.type('text/html')
        .send(`<!doctype html><meta charset="utf-8"><title>iFit emulator</title><body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>iFit emulator</h1><p>Implements the iFit API shape Tributary targets. Accounts: ${[...this.#accounts.values()].map((a) => `<code>${a.username}</code>`).join(', ')}.</p>
<form method="post" action="/_emulator/accounts/${encodeURIComponent([...this.#accounts.values()][0]?.username ?? '')}/workouts"><button>Record a new workout for the first account</button></form></body>`),
    );
  }
}
