import { createHash, randomBytes } from 'node:crypto';
import { isTributaryError, TributaryError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TerraRecord } from '../model/data-types.ts';
import type { Signal } from '../core/signal.ts';
import { accessRevokedEvent, permissionChangeEvent, rateLimitHitEvent } from '../delivery/terra-events.ts';
import type {
  ConfiguredProvider,
  MergedItem,
  WebhookFetched,
  WebhookNotice,
  WebhookRequest,
} from '../providers/provider.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Queue } from '../queue/index.ts';
import type { Store, User } from '../store/store.ts';
import { storeRecords, TOMBSTONE_CONTENT_TYPE } from './store-records.ts';
import { logUnreadable } from './sync.ts';
import type { TokenKeeper } from './token-keeper.ts';

export interface ProviderNotificationOptions {
  store: Store;
  providers: ProviderRegistry;
  queue: Queue;
  tokens: TokenKeeper;
  logger: Logger;
  eventsCommitted: Signal;
}

/** An answer for the provider's HTTP call. */
export interface WebhookAnswer {
  status: number;
  body: unknown;
}

/**
 * Notifications providers push to `/providers/{provider}/webhook`. `receive` (API role)
 * answers handshakes, refuses bad signatures (401, nothing stored), stores the delivery
 * verbatim and queues its id — the provider gets its 200 once the bytes are durable, and
 * a redelivery (same dedupe key) is stored and queued only once. `process` (the queue's
 * worker) parses it and fetches what each notice announces for every developer's user
 * connected to that provider account.
 */
export class ProviderNotifications {
  readonly #o: ProviderNotificationOptions;

  constructor(options: ProviderNotificationOptions) {
    this.#o = options;
  }

  async receive(providerPath: string, request: WebhookRequest): Promise<WebhookAnswer> {
    const provider = this.#o.providers.get(providerPath);
    const hooks = provider?.webhooks;
    if (!provider || !hooks || provider.capabilities.name.toLowerCase() !== providerPath.toLowerCase())
      return {
        status: 404,
        body: { status: 'error', message: `no webhook for provider ${JSON.stringify(providerPath)}` },
      };
    if (!hooks.methods.includes(request.method))
      return {
        status: 405,
        body: {
          status: 'error',
          message: `${provider.capabilities.displayName} webhooks use ${hooks.methods.join(', ')}`,
        },
      };
    const handshake = hooks.handshake?.(request);
    if (handshake) return handshake;
    if (request.method !== 'POST') return { status: 200, body: { status: 'success' } }; // a reachability probe
    if (!hooks.verify(request)) {
      this.#o.logger.warn('provider webhook refused: bad signature', { provider: provider.capabilities.name });
      return { status: 401, body: { status: 'error', message: 'invalid signature' } };
    }
    const headers: Record<string, string> = {};
    for (const name of hooks.keptHeaders)
      if (request.headers[name] !== undefined) headers[name] = request.headers[name];
    const { notificationId, inserted } = await this.#o.store.providerNotifications.insert({
      provider: provider.capabilities.name,
      dedupeKey: hooks.dedupeKey(request),
      contentType: request.headers['content-type'] ?? 'application/octet-stream',
      headers,
      body: request.rawBody,
    });
    if (inserted) await this.#o.queue.add([{ id: jobId(notificationId), data: { notificationId } }]);
    return { status: 200, body: { status: 'success', notification_id: notificationId, duplicate: !inserted } };
  }

  /** Starts consuming queued notifications (worker role). */
  work(concurrency = 2): void {
    this.#o.queue.work(async (job) => this.process(String(job.data.notificationId)), { concurrency });
  }

  /** Re-queues notifications stored but never queued (a crash between the insert and the add). */
  async requeueStale(olderThanMs = 60_000): Promise<number> {
    const stale = await this.#o.store.providerNotifications.pending(Date.now() - olderThanMs, 100);
    if (stale.length > 0)
      await this.#o.queue.add(
        stale.map((n) => ({ id: jobId(n.notificationId), data: { notificationId: n.notificationId } })),
      );
    return stale.length;
  }

  /**
   * Processes one stored notification. A payload that cannot be parsed is marked failed
   * with the error (kept for replay), never retried forever; a rate limit reschedules it at
   * the provider's Retry-After; another transient failure (provider down) throws so the
   * queue runs it again later.
   */
  async process(notificationId: string): Promise<void> {
    const { store, providers, logger } = this.#o;
    const notification = await store.providerNotifications.get(notificationId);
    if (!notification || notification.status !== 'pending') return;
    const provider = providers.get(notification.provider);
    if (!provider?.webhooks) {
      await store.providerNotifications.finish(notificationId, { status: 'failed', error: 'provider not configured' });
      return;
    }
    let notices: WebhookNotice[];
    try {
      notices = provider.webhooks.parse(notification.body, notification.headers);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error('provider notification malformed', {
        provider: notification.provider,
        notificationId,
        error: message,
      });
      await store.providerNotifications.finish(notificationId, { status: 'failed', error: message });
      return;
    }
    const refused: string[] = [];
    for (const notice of notices) {
      for (const recipient of await store.providerNotifications.recipients(
        notification.provider,
        notice.providerUserId,
      )) {
        const user = await store.users.get(recipient.devId, recipient.userId);
        if (!user) continue;
        try {
          await this.#apply(provider, user, notice);
        } catch (error) {
          if (isTributaryError(error) && error.code === 'rate_limited')
            return this.#retryLater(provider, notificationId, error, user);
          // Data that can never be read (a refused callback URL, unreadable summaries) is kept, not retried.
          if (!(error instanceof UnusableNotice)) throw error;
          logger.error('provider notification not usable', {
            provider: notification.provider,
            notificationId,
            error: error.message,
          });
          refused.push(error.message);
        }
      }
    }
    await store.providerNotifications.finish(
      notificationId,
      refused.length === 0 ? { status: 'processed' } : { status: 'failed', error: refused.join('; ') },
    );
  }

  /**
   * The provider (or its budget) asked to wait: the notification stays pending and runs again
   * when the wait is over — when every process's pause of the provider ends, else after its
   * `Retry-After` — not at the queue's fixed retry delay. A provider's own 429 tells the
   * app through `rate_limit_hit`; notices already applied are applied again (idempotent).
   */
  async #retryLater(
    provider: ConfiguredProvider,
    notificationId: string,
    error: TributaryError,
    user: User,
  ): Promise<void> {
    const { store, queue, logger, eventsCommitted } = this.#o;
    const now = Date.now();
    const seconds = Number(error.details.retry_after_seconds);
    const paused = await store.providerBudgets.blockedUntil(provider.capabilities.name);
    const retryAt =
      paused !== null && paused > now ? paused : now + (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
    const providerLimit = error.details.source === undefined; // not Tributary's own pacing or a pause seen elsewhere
    await store.transaction(async (tx) => {
      await tx.providerNotifications.finish(notificationId, { status: 'pending', error: error.message });
      if (providerLimit)
        await tx.events.insert(user.devId, {
          type: 'rate_limit_hit',
          userId: user.userId,
          payload: rateLimitHitEvent(user, {
            startDate: new Date(now).toISOString(),
            endDate: new Date(now).toISOString(),
            retryingAt: new Date(retryAt).toISOString(),
            message: `${provider.capabilities.displayName} rate limit hit while fetching a notified change; retrying at ${new Date(retryAt).toISOString()}`,
          }),
        });
    });
    if (providerLimit) eventsCommitted.notify();
    // Its own job id per retry time: the running job cannot be re-added, and workers that
    // meet the same pause schedule that retry once.
    await queue.add([{ id: `${jobId(notificationId)}-at-${retryAt}`, data: { notificationId }, runAt: retryAt }]);
    logger.warn('provider notification will be retried when the rate limit allows', {
      provider: provider.capabilities.name,
      notificationId,
      retryAt: new Date(retryAt).toISOString(),
    });
  }

  async #apply(provider: ConfiguredProvider, user: User, notice: WebhookNotice): Promise<void> {
    const { store, eventsCommitted, tokens } = this.#o;
    if (notice.kind === 'deregistration') {
      await store.transaction(async (tx) => {
        await tx.connections.update(user.devId, user.userId, { status: 'revoked', nextSyncAt: null });
        const updated = (await tx.users.update(user.devId, user.userId, { state: 'error', active: false })) ?? user;
        await tx.events.insert(user.devId, {
          type: 'access_revoked',
          userId: user.userId,
          payload: accessRevokedEvent(updated, `The user revoked access at ${provider.capabilities.displayName}`),
        });
      });
      eventsCommitted.notify();
      return;
    }
    if (notice.kind === 'permission_change') {
      await store.transaction(async (tx) => {
        const before = (user.scopes ?? '').split(',').filter(Boolean);
        const updated =
          (await tx.users.update(user.devId, user.userId, { scopes: notice.permissions.join(',') })) ?? user;
        await tx.events.insert(user.devId, {
          type: 'permission_change',
          userId: user.userId,
          payload: permissionChangeEvent(updated, {
            scopesAdded: notice.permissions.filter((p) => !before.includes(p)),
            scopesRemoved: before.filter((p) => !notice.permissions.includes(p)),
          }),
        });
      });
      eventsCommitted.notify();
      return;
    }
    const connection = await store.connections.get(user.devId, user.userId);
    if (!connection || connection.status !== 'active' || !user.active) return;
    const hooks = provider.webhooks!;
    let fetched: WebhookFetched;
    try {
      if (notice.kind === 'data')
        fetched = await hooks.fetch(notice, tokens.withAccess(provider, user.devId, user.userId));
      else {
        if (!hooks.received)
          throw new UnusableNotice(`${provider.capabilities.displayName} does not read ${notice.kind} notifications`);
        const data =
          notice.kind === 'push'
            ? notice.payload
            : await fetchCallback(provider, notice.callbackUrl, tokens.withAccess(provider, user.devId, user.userId));
        if (data === GONE) return;
        try {
          fetched = hooks.received(notice.dataType, data);
        } catch (error) {
          throw new UnusableNotice(
            `${notice.dataType} data unreadable: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    } catch (error) {
      // The user disconnected meanwhile: nothing to do for them.
      if (isTributaryError(error) && error.code === 'not_found') return;
      throw error;
    }
    for (const item of fetched.items) {
      const result = await storeRecords(store, {
        user,
        type: item.type,
        raw: { provider: provider.capabilities.name, dataType: item.type, ...item.raw },
        records: item.records,
      });
      if (result.eventId) eventsCommitted.notify();
      if (item.problem) logUnreadable(this.#o.logger, provider, user, item);
    }
    // Parts of one payload (a day's epochs) are merged together and stored once: one event.
    const byPayload = new Map<string, MergedItem[]>();
    for (const item of fetched.merges ?? []) {
      const key = JSON.stringify([item.type, item.externalId]);
      byPayload.set(key, [...(byPayload.get(key) ?? []), item]);
    }
    for (const parts of byPayload.values()) {
      const eventId = await this.#merge(provider, user, parts);
      if (eventId) eventsCommitted.notify();
    }
    for (const deletion of fetched.deleted) {
      await store.transaction(async (tx) => {
        // The tombstone is the newest version of the payload: a replay does not bring the records back.
        if (deletion.externalId)
          await tx.raw.put(user.devId, {
            userId: user.userId,
            provider: provider.capabilities.name,
            dataType: deletion.type,
            externalId: deletion.externalId,
            contentType: TOMBSTONE_CONTENT_TYPE,
            body: JSON.stringify({ deleted: true, at: new Date().toISOString() }),
          });
        await tx.records.delete(user.devId, user.userId, deletion.type, deletion.keys);
      });
    }
  }

  /**
   * Merges one part into the newest stored version of its payload and stores the result
   * through `storeRecords`. One merge of a payload at a time across processes (a lease per
   * payload): two workers merging two parts of one day must not each drop the other's.
   */
  async #merge(provider: ConfiguredProvider, user: User, parts: MergedItem[]): Promise<string | null> {
    const { store } = this.#o;
    const name = provider.capabilities.name;
    const item = parts[0];
    return withLease(store, `merge:${user.devId}:${user.userId}:${name}:${item.externalId}`, async () => {
      const [stored] = await store.raw.latest(user.devId, user.userId, {
        provider: name,
        dataTypes: [item.type],
        externalId: item.externalId,
        limit: 1,
      });
      const previous = stored && stored.contentType !== TOMBSTONE_CONTENT_TYPE ? stored.body : undefined;
      let merged: { body: string; records: TerraRecord[] } | undefined;
      for (const part of parts) {
        const next = part.merge(merged ? Buffer.from(merged.body) : previous);
        if (next) merged = next;
      }
      if (!merged) return null; // already stored, or older than what is
      const current = await store.users.get(user.devId, user.userId);
      if (!current) return null; // deauthorized meanwhile
      const result = await storeRecords(store, {
        user: current,
        type: item.type,
        raw: {
          provider: name,
          dataType: item.type,
          externalId: item.externalId,
          contentType: item.contentType,
          body: merged.body,
        },
        records: merged.records,
      });
      return result.eventId;
    });
  }
}

/** A notice whose data can never be used: the notification is marked failed (kept), not retried. */
class UnusableNotice extends Error {
  override name = 'UnusableNotice';
}

const GONE = Symbol('gone');
/** Ping callbacks answer at most this much (Garmin: activity details up to 100 MB). */
const CALLBACK_MAX_BYTES = 128 * 1024 * 1024;
const CALLBACK_TIMEOUT_MS = 120_000;

/**
 * Ping mode: GETs a notification's callback URL with the user's Bearer token. Only a URL
 * under the provider's `callbackBase` (same origin, path below it, no credentials) is
 * fetched — a notification must not make Tributary call anything else (SSRF). 404/410 =
 * the data is gone (an activity file is downloadable once); 401 → the token is refreshed
 * once and the call retried; 429 → `rate_limited`; other failures are retried by the queue.
 */
async function fetchCallback(
  provider: ConfiguredProvider,
  callbackUrl: string,
  withAccess: ReturnType<TokenKeeper['withAccess']>,
): Promise<unknown> {
  const url = allowedCallback(callbackUrl, provider.webhooks?.callbackBase);
  if (!url)
    throw new UnusableNotice(
      `callback URL refused: not under ${provider.capabilities.displayName}'s API base (${provider.webhooks?.callbackBase ?? 'none configured'})`,
    );
  const display = provider.capabilities.displayName;
  const details = { provider: provider.capabilities.name };
  return withAccess(async (tokens) => {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
    } catch (error) {
      throw new TributaryError(
        'provider_error',
        `${display} callback could not be fetched (${error instanceof Error ? error.message : String(error)})`,
        details,
      );
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return GONE;
    }
    if (response.status === 401) {
      await response.body?.cancel();
      throw new TributaryError('provider_auth_failed', `${display} rejected the access token`, {
        ...details,
        reason: 'access_token_rejected',
      });
    }
    if (response.status === 429) {
      await response.body?.cancel();
      const retry = Number(response.headers.get('retry-after'));
      throw new TributaryError('rate_limited', `${display} rate limit hit`, {
        ...details,
        retry_after_seconds: Number.isFinite(retry) && retry > 0 ? retry : 60,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new TributaryError('provider_error', `${display} callback answered ${response.status}`, {
        ...details,
        status: response.status,
      });
    }
    const text = await boundedText(response, CALLBACK_MAX_BYTES);
    if (text === undefined)
      throw new UnusableNotice(`${display} callback answered more than ${CALLBACK_MAX_BYTES} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UnusableNotice(`${display} callback answered a body that is not JSON`);
    }
  });
}

/** The callback as a URL when it lies under `base` (same origin, path prefix, no user info); undefined otherwise. */
export function allowedCallback(callbackUrl: string, base: string | undefined): URL | undefined {
  if (!base) return undefined;
  let url: URL;
  let root: URL;
  try {
    url = new URL(callbackUrl);
    root = new URL(base);
  } catch {
    return undefined;
  }
  if (url.origin !== root.origin || url.username || url.password) return undefined;
  const prefix = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
  if (root.pathname !== '/' && url.pathname !== root.pathname && !url.pathname.startsWith(prefix)) return undefined;
  return url;
}

async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs `work` holding the named store lease (waiting for it, up to a minute). */
async function withLease<T>(store: Store, name: string, work: () => Promise<T>): Promise<T> {
  const holder = `merge-${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + 60_000;
  let wait = 20;
  while (!(await store.leases.acquire(name, holder, 60_000))) {
    if (Date.now() > deadline) throw new TributaryError('internal', `lease ${name} stayed taken`);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 500);
  }
  try {
    return await work();
  } finally {
    await store.leases.release(name, holder);
  }
}

const jobId = (notificationId: string) => `pn-${notificationId}`;

/** A dedupe key from the bytes: a provider that redelivers sends the same body. */
export function bodyDedupeKey(request: WebhookRequest): string {
  return createHash('sha256').update(request.rawBody).digest('hex');
}

/** The worker-role loop: consumes queued notifications; every minute re-queues any left pending. */
export function providerNotificationTask(
  notifications: ProviderNotifications,
  queue: Queue,
  logger: Logger,
  options: { sweepMs?: number } = {},
): { name: string; start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'provider-notifications',
    start() {
      notifications.work();
      timer = setInterval(() => {
        notifications
          .requeueStale()
          .catch((error: unknown) => logger.warn('re-queueing notifications failed', { error }));
      }, options.sweepMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await queue.stop();
    },
  };
}
