import { createHash } from 'node:crypto';
import { isTributaryError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Signal } from '../core/signal.ts';
import { accessRevokedEvent, permissionChangeEvent } from '../delivery/terra-events.ts';
import type { ConfiguredProvider, WebhookNotice, WebhookRequest } from '../providers/provider.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Queue } from '../queue/index.ts';
import type { Store, User } from '../store/store.ts';
import { storeRecords, TOMBSTONE_CONTENT_TYPE } from './store-records.ts';
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
   * with the error (kept for replay), never retried forever; a transient failure (provider
   * down, rate limit) throws so the queue runs it again later.
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
    for (const notice of notices) {
      for (const recipient of await store.providerNotifications.recipients(
        notification.provider,
        notice.providerUserId,
      )) {
        const user = await store.users.get(recipient.devId, recipient.userId);
        if (user) await this.#apply(provider, user, notice);
      }
    }
    await store.providerNotifications.finish(notificationId, { status: 'processed' });
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
    let fetched;
    try {
      fetched = await provider.webhooks!.fetch(notice, tokens.withAccess(provider, user.devId, user.userId));
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
