import { createHash, randomUUID } from 'node:crypto';
import { takesEventType } from './opt-in-events.ts';
import type { SecretBox } from '../core/crypto.ts';
import { TributaryError, badParameter, notFound } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { DeliveryOutcome, Metrics } from '../core/metrics.ts';
import type { Signal } from '../core/signal.ts';
import { DATA_TYPES, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { Job, Queue } from '../queue/queue.ts';
import type {
  DataRequest,
  ClaimedDelivery,
  Delivery,
  DeliveryMode,
  DeliveryRepo,
  DeliveryStatus,
  DestinationRepo,
  EventFormat,
  StoredDestination,
  OutboxEntry,
  StoredEvent,
  Store,
  User,
} from '../store/index.ts';
import type {
  DeliveryOutcome as AttemptOutcome,
  Destination,
  DestinationDefinition,
  DestinationServices,
} from './destinations/destination.ts';
import { destinationDefinition, destinationTypes } from './destinations/registry.ts';
import { EVENT_FORMATS, renderEvent } from './formats.ts';
import type { PayloadUrls } from './payload-urls.ts';
import type { FitLinks } from '../export/fit/links.ts';
import { nextRetry } from './schedule.ts';
import {
  dataEvent,
  dataSentToWebhook,
  noReceiverMessage,
  healthcheckEvent,
  largeRequestProcessingEvent,
  largeRequestSendingEvent,
  s3PayloadEvent,
} from './terra-events.ts';

export interface DeliverySettings {
  timeoutMs: number;
  retryScheduleSeconds: readonly number[];
  allowPrivateNetworks: boolean;
  /** TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS: destinations may fall back on the machine's cloud identity. */
  allowAmbientCredentials?: boolean;
  disableAfterSeconds: number;
  /** Jobs delivered at once per worker process. */
  concurrency?: number;
  /**
   * Deliveries of one destination in the queue (due or running) at once, across processes;
   * the others wait, parked, for one of them to finish (issue 10 item 6). Default 8.
   */
  destinationConcurrency?: number;
  /** Deliveries of one developer, all its destinations together, in the queue at once. Default 16. */
  developerConcurrency?: number;
  /** Retention of events, deliveries, attempts and data requests, days (default 30). */
  retentionDays?: number;
  /** Retention of `to_webhook` copies once none of their deliveries is pending, hours (default 24). */
  readCopyRetentionHours?: number;
}

export interface DeliveryServiceDeps {
  store: Store;
  box: SecretBox;
  queue: Queue;
  logger: Logger;
  eventsCommitted: Signal;
  payloadUrls: PayloadUrls;
  /** Signed links to an activity event's FIT file, handed to destinations whose format is `fit`. */
  fitLinks?: FitLinks;
  settings: DeliverySettings;
  /** Attempt counters and latency histograms for `GET /metrics`. */
  metrics?: Metrics;
}

/**
 * A delivery (and its job) is leased for the timeout plus this margin: long enough that the
 * attempt has ended before anyone else may take it, short enough that a dead worker's
 * deliveries are retried soon.
 */
export const LEASE_MARGIN_MS = 5000;
/** Failed dispatch passes after which an event is quarantined (leaves the outbox). */
export const DISPATCH_MAX_FAILURES = 3;
/** How long a ping-mode payload link stays valid. */
export const PING_URL_TTL_SECONDS = 600;
/** A large request's data event carries at most this many records and this many bytes. */
export const CHUNK_MAX_RECORDS = 10;
export const CHUNK_MAX_BYTES = 10 * 1024 * 1024;

const COMMON_KEYS = new Set(['type', 'event_types', 'format', 'delivery_mode', 'config', 'enabled']);
const DELIVERY_MODES: readonly DeliveryMode[] = ['push', 'ping'];
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** Event types a destination may subscribe to. */
export const EVENT_TYPES: readonly string[] = [
  ...DATA_TYPES,
  'auth',
  'deauth',
  'user_reauth',
  'access_revoked',
  'connection_error',
  'permission_change',
  'large_request_processing',
  'large_request_sending',
  'rate_limit_hit',
  'healthcheck',
  'connection_stale',
];

/**
 * The delivery machinery, shared by every destination type:
 * outbox → deliveries (one per event × destination) → queue jobs that carry only the
 * delivery id → one attempt per job → retry schedule → dead letter. Every step re-reads the
 * store, so a crash anywhere leaves work that the dispatcher or the sweep picks up again
 * (at-least-once).
 */
export class DeliveryService {
  readonly destinations: DestinationRepo;
  readonly deliveries: DeliveryRepo;
  readonly queue: Queue;
  readonly #deps: DeliveryServiceDeps;
  readonly #open = new Map<string, { devId: string; version: string; destination: Destination }>();

  constructor(deps: DeliveryServiceDeps) {
    this.#deps = deps;
    this.queue = deps.queue;
    this.destinations = deps.store.destinations;
    this.deliveries = deps.store.deliveries;
  }

  get settings(): DeliverySettings {
    return this.#deps.settings;
  }

  /** A delivery's lease: one attempt (the timeout) plus room to record it. */
  get leaseMs(): number {
    return this.#deps.settings.timeoutMs + LEASE_MARGIN_MS;
  }

  // ---------------------------------------------------------------- destinations (API)

  async createDestination(
    devId: string,
    body: unknown,
  ): Promise<{ destination: StoredDestination; generatedSecrets: Record<string, string> }> {
    const input = asObject(body);
    const type = typeof input.type === 'string' ? input.type : undefined;
    if (!type) throw badParameter('type', `type is required: one of ${destinationTypes().join(', ')}`);
    const definition = destinationDefinition(type);
    if (!definition)
      throw badParameter(
        'type',
        `unknown destination type ${JSON.stringify(type)}: one of ${destinationTypes().join(', ')}`,
      );
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean')
      throw badParameter('enabled', 'enabled must be true or false');
    const generatedSecrets = definition.generateSecrets?.() ?? {};
    const given = typeConfig(input);
    const config = definition.parseConfig({ ...generatedSecrets, ...given });
    await definition.verify(config, this.#services(devId));
    const { visible, secrets } = splitSecrets(definition, config);
    const destination = await this.destinations.create(devId, {
      type,
      config: visible,
      secrets,
      deliveryMode: parseDeliveryMode(input.delivery_mode) ?? 'push',
      eventTypes: parseEventTypes(input.event_types) ?? null,
      format: parseFormat(input.format) ?? 'json',
    });
    // Created paused: nothing is delivered until `PATCH {"enabled": true}`.
    const created =
      input.enabled === false
        ? (await this.destinations.update(devId, destination.destinationId, { enabled: false }))!
        : destination;
    // A secret the caller chose is theirs already; only generated ones are echoed (once).
    const echoed = Object.fromEntries(Object.entries(generatedSecrets).filter(([key]) => given[key] === undefined));
    return { destination: created, generatedSecrets: echoed };
  }

  async getDestination(devId: string, destinationId: string): Promise<StoredDestination> {
    const destination = await this.destinations.get(devId, destinationId);
    if (!destination) throw notFound(`destination ${destinationId} not found`);
    return destination;
  }

  async updateDestination(devId: string, destinationId: string, body: unknown): Promise<StoredDestination> {
    const current = await this.getDestination(devId, destinationId);
    const input = asObject(body);
    if (input.type !== undefined && input.type !== current.type)
      throw badParameter('type', 'the type of a destination cannot change; create a new destination');
    const definition = this.#definition(current.type);
    const given = typeConfig(input);
    let config: { visible: Record<string, unknown>; secrets: Record<string, unknown> } | undefined;
    if (Object.keys(given).length > 0) {
      // A merge patch: `null` removes an optional field (a required one then fails validation).
      const merged: Record<string, unknown> = { ...current.config, ...current.secrets, ...given };
      for (const [key, value] of Object.entries(given)) if (value === null) delete merged[key];
      const parsed = definition.parseConfig(merged);
      await definition.verify(parsed, this.#services(devId));
      config = splitSecrets(definition, parsed);
    }
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean')
      throw badParameter('enabled', 'enabled must be true or false');
    const updated = await this.destinations.update(devId, destinationId, {
      ...(config ? { config: config.visible, secrets: config.secrets } : {}),
      deliveryMode: parseDeliveryMode(input.delivery_mode),
      eventTypes: input.event_types === undefined ? undefined : (parseEventTypes(input.event_types) ?? null),
      format: parseFormat(input.format),
      enabled: input.enabled,
    });
    await this.#forget(destinationId);
    return updated!;
  }

  async deleteDestination(devId: string, destinationId: string): Promise<void> {
    if (!(await this.destinations.delete(devId, destinationId)))
      throw notFound(`destination ${destinationId} not found`);
    await this.#forget(destinationId);
  }

  async rotateSecret(
    devId: string,
    destinationId: string,
  ): Promise<{ destination: StoredDestination; generatedSecrets: Record<string, string> }> {
    const current = await this.getDestination(devId, destinationId);
    const definition = this.#definition(current.type);
    if (!definition.generateSecrets)
      throw new TributaryError('bad_request', `a ${current.type} destination has no secret Tributary generates`);
    const generatedSecrets = definition.generateSecrets();
    const parsed = definition.parseConfig({ ...current.config, ...current.secrets, ...generatedSecrets });
    const { visible, secrets } = splitSecrets(definition, parsed);
    const destination = (await this.destinations.update(devId, destinationId, { config: visible, secrets }))!;
    await this.#forget(destinationId);
    return { destination, generatedSecrets };
  }

  /** Sends a `healthcheck` event to one destination now; returns its delivery. */
  async sendTest(devId: string, destinationId: string): Promise<Delivery> {
    const destination = await this.getDestination(devId, destinationId);
    const now = Date.now();
    const lastHour = await this.deliveries.countDeliveredSince(devId, destinationId, now - 3_600_000);
    const hourBefore = (await this.deliveries.countDeliveredSince(devId, destinationId, now - 7_200_000)) - lastHour;
    const payload = healthcheckEvent({
      sentWebhooksLastHour: lastHour,
      trendPercentage: hourBefore === 0 ? 0 : ((lastHour - hourBefore) / hourBefore) * 100,
    });
    const delivery = await this.#deps.store.transaction(async (tx) => {
      const event = await tx.events.insert(devId, { type: 'healthcheck', payload });
      await tx.events.markDispatched([event.eventId]);
      // The delivery shares the event's transaction: both exist, or neither.
      const [created] = await tx.deliveries.create(devId, [
        {
          destinationId: destination.destinationId,
          eventId: event.eventId,
          eventType: 'healthcheck',
          traceId: randomUUID(),
        },
      ]);
      return created;
    });
    // A test send goes at once, whatever the destination's backlog.
    await this.deliveries.markEnqueued(devId, [delivery.deliveryId], Date.now());
    await this.#enqueue([delivery]);
    return delivery;
  }

  // ---------------------------------------------------------------- deliveries (API)

  async listDeliveries(devId: string, query: Record<string, unknown>) {
    const status = query.status === undefined || query.status === '' ? undefined : String(query.status);
    if (status !== undefined && !STATUSES.includes(status as DeliveryStatus))
      throw badParameter('status', `status must be one of ${STATUSES.join(', ')}`);
    const limit = query.limit === undefined || query.limit === '' ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw badParameter('limit', 'limit must be an integer from 1 to 500');
    return this.deliveries.list(devId, {
      destinationId: optionalString(query.destination_id),
      eventId: optionalString(query.event_id),
      eventType: optionalString(query.event_type),
      userId: optionalString(query.user_id),
      status: status as DeliveryStatus | undefined,
      limit,
      cursor: optionalString(query.cursor),
    });
  }

  async redeliver(devId: string, deliveryId: string): Promise<Delivery> {
    const existing = await this.deliveries.get(devId, deliveryId);
    if (!existing) throw notFound(`delivery ${deliveryId} not found`);
    if (!(await this.destinations.get(devId, existing.destinationId)))
      throw new TributaryError(
        'conflict',
        `delivery ${deliveryId} cannot be sent again: its destination ${existing.destinationId} was deleted`,
      );
    const now = Date.now();
    const delivery = (await this.deliveries.redeliver(devId, deliveryId, now))!;
    await this.#enqueue([delivery], `r${now.toString(36)}`);
    return delivery;
  }

  // ---------------------------------------------------------------- to_webhook reads (API)

  /** `ctx.webhookReads.accept`: queue the requested data as events, answer at once. */
  async acceptRead(request: DataRequest, user: User): Promise<Record<string, unknown>> {
    const rows = await this.#deps.store.records.listJson(user.devId, user.userId, request.dataType, {
      startMs: request.startMs ?? undefined,
      endMs: request.endMs ?? undefined,
      withSamples: request.withSamples,
    });
    const large =
      request.dataType !== 'athlete' &&
      request.startMs !== null &&
      request.endMs !== null &&
      isLongerThanOneMonth(request.startMs, request.endMs);
    const type = request.dataType;
    const reference = request.reference;
    await this.#deps.store.transaction(async (tx) => {
      if (!large) {
        await tx.events.insert(user.devId, {
          type,
          userId: user.userId,
          reference,
          payload: dataEvent(type, user, rows.map(parseRecord)),
        });
      } else {
        const chunks = chunkRecords(rows);
        await tx.events.insert(user.devId, {
          type: 'large_request_processing',
          userId: user.userId,
          reference,
          payload: largeRequestProcessingEvent(user, reference),
        });
        await tx.events.insert(user.devId, {
          type: 'large_request_sending',
          userId: user.userId,
          reference,
          payload: largeRequestSendingEvent(user, reference, chunks.length),
        });
        for (const [index, chunk] of chunks.entries()) {
          const event = await tx.events.insert(user.devId, {
            type,
            userId: user.userId,
            reference,
            payload: dataEvent(type, user, chunk.map(parseRecord)),
          });
          await tx.deliveries.setChunk(user.devId, event.eventId, reference, index);
        }
      }
      await tx.dataRequests.setStatus(user.devId, reference, 'sending');
    });
    this.#deps.eventsCommitted.notify();
    const answer = large ? largeRequestProcessingEvent(user, reference) : dataSentToWebhook(user, reference);
    // Terra's shape either way; but when no destination will receive the data, say so.
    const receivers = (await this.destinations.list(user.devId)).filter(
      (d) => d.enabled && (d.eventTypes === null || d.eventTypes.includes(type)),
    );
    if (receivers.length === 0) answer.message = noReceiverMessage(type);
    return answer;
  }

  // ---------------------------------------------------------------- payload links (API)

  /** A signed payload link, as ping mode issues it. */
  payloadUrl(devId: string, eventId: string, expiresInSeconds: number): string {
    return this.#deps.payloadUrls.url(devId, eventId, expiresInSeconds);
  }

  payloadCheck(devId: string, eventId: string, expires: number, signature: string): 'ok' | 'invalid' | 'expired' {
    return this.#deps.payloadUrls.check(devId, eventId, expires, signature);
  }

  async payloadFor(devId: string, eventId: string): Promise<StoredEvent> {
    const event = await this.#deps.store.events.get(devId, eventId);
    if (!event) throw notFound(`event ${eventId} not found`);
    // A signed link outlives nothing: once the user is deleted (deauth), their data is not served.
    if (isDataEvent(event) && !(await this.#deps.store.users.get(devId, event.userId!)))
      throw new TributaryError('gone', `the user of event ${eventId} was deleted: its data is no longer served`);
    return event;
  }

  // ---------------------------------------------------------------- worker

  /** Hands committed outbox events to the queue, one delivery per matching destination. Returns how many events it took. */
  async dispatchOnce(limit = 200): Promise<number> {
    const events = await this.#deps.store.events.undispatched(limit);
    if (events.length === 0) return 0;
    const byDeveloper = new Map<string, StoredDestination[]>();
    const created: Delivery[] = [];
    const done: string[] = [];
    for (const event of events) {
      // One event that cannot be dispatched is left for the next pass; the others go on.
      try {
        created.push(...(await this.#deliveriesFor(event, byDeveloper)));
        done.push(event.eventId);
      } catch (error) {
        // Retried on the next passes; an event that keeps failing is quarantined (it leaves the
        // outbox) so that enough of them cannot fill every pass and stop dispatch for all.
        const message = error instanceof Error ? error.message : String(error);
        const quarantined = await this.#deps.store.events
          .dispatchFailed(event.eventId, message, DISPATCH_MAX_FAILURES)
          .catch(() => false);
        this.#deps.logger.error(
          quarantined
            ? `event quarantined after ${DISPATCH_MAX_FAILURES} failed dispatches; others continue`
            : 'event could not be dispatched; others continue',
          { devId: event.devId, eventId: event.eventId, error },
        );
      }
    }
    // Jobs first, then the flag: a crash in between re-dispatches, and both steps are idempotent
    // (deliveries left parked by a crash are admitted by the sweep).
    await this.#admit(created);
    await this.#deps.store.events.markDispatched(done);
    return done.length;
  }

  async #deliveriesFor(event: OutboxEntry, byDeveloper: Map<string, StoredDestination[]>): Promise<Delivery[]> {
    let destinations = byDeveloper.get(event.devId);
    if (!destinations) {
      destinations = await this.destinations.list(event.devId);
      byDeveloper.set(event.devId, destinations);
    }
    const targets = destinations.filter((d) => d.enabled && takesEventType(d.eventTypes, event.type));
    if (targets.length === 0) return [];
    const chunk = event.reference ? await this.deliveries.chunkOf(event.devId, event.eventId) : undefined;
    return this.deliveries.create(
      event.devId,
      targets.map((d) => ({
        destinationId: d.destinationId,
        eventId: event.eventId,
        eventType: event.type,
        traceId: traceIdFor(event, d.destinationId, chunk),
      })),
    );
  }

  /** Re-enqueues pending deliveries whose job was lost (queue flushed, crash between steps). */
  async sweepOnce(): Promise<number> {
    await this.pruneClients();
    const overdue = await this.deliveries.overdue(Date.now(), this.leaseMs, 500);
    await this.#enqueue(overdue);
    // Parked deliveries whose admission was missed (a crash between creating and admitting).
    for (const { devId, destinationId } of await this.deliveries.parkedDestinations(500))
      await this.#refill(devId, destinationId);
    return overdue.length;
  }

  /**
   * One pass of the retention purge (issue 10 item 6): at most `limit` events (with their
   * deliveries and attempts) and data requests past retention. Returns how many went.
   */
  async purgeOnce(now = Date.now(), limit = 500): Promise<number> {
    const days = this.#deps.settings.retentionDays ?? 30;
    const hours = this.#deps.settings.readCopyRetentionHours ?? 24;
    const purged = await this.#deps.store.events.purge({
      beforeMs: now - days * 86_400_000,
      readCopiesBeforeMs: now - hours * 3_600_000,
      limit,
    });
    return purged.events + purged.dataRequests;
  }

  /** Per-destination cap on deliveries in the queue (issue 10 item 6). */
  get destinationConcurrency(): number {
    return Math.max(1, this.#deps.settings.destinationConcurrency ?? 8);
  }

  /** Per-developer cap on deliveries in the queue, all its destinations together (issue 10 item 6). */
  get developerConcurrency(): number {
    return Math.max(1, this.#deps.settings.developerConcurrency ?? 16);
  }

  /**
   * Admits the parked deliveries of the destinations of `created` up to each one's cap, taking
   * destinations round-robin across developers, and adds their jobs. A destination's backlog
   * stays parked in the store, not in the queue ahead of other tenants' deliveries.
   */
  async #admit(created: readonly Delivery[]): Promise<void> {
    const byDeveloper = new Map<string, Set<string>>();
    for (const d of created) {
      const set = byDeveloper.get(d.devId) ?? new Set<string>();
      set.add(d.destinationId);
      byDeveloper.set(d.devId, set);
    }
    const queues = [...byDeveloper.entries()].map(([devId, ids]) => ({ devId, ids: [...ids] }));
    for (let round = 0; queues.some((q) => q.ids.length > round); round++)
      for (const q of queues) if (q.ids[round]) await this.#refill(q.devId, q.ids[round]);
  }

  async #refill(devId: string, destinationId: string): Promise<number> {
    const admitted = await this.deliveries.admit(
      devId,
      destinationId,
      this.destinationConcurrency,
      Date.now(),
      this.developerConcurrency,
    );
    await this.#enqueue(admitted);
    return admitted.length;
  }

  /**
   * After one of its deliveries left the queue: its destination first, then (when the
   * developer's cap was what held them) the developer's other destinations with due parked
   * deliveries, so a slot freed by one destination goes to another of the same developer.
   */
  async #refillAfter(devId: string, destinationId: string): Promise<void> {
    if ((await this.#refill(devId, destinationId)) > 0) return;
    for (const other of await this.deliveries.parkedDestinations(20, Date.now(), devId))
      if (other.destinationId !== destinationId && (await this.#refill(devId, other.destinationId)) > 0) return;
  }

  /**
   * Closes the clients (connection pools, SDK clients) of destinations deleted or changed
   * since they were opened — also by another process, which this one would otherwise never
   * hear of: their pools and sockets would stay open for the life of the process.
   */
  async pruneClients(): Promise<void> {
    for (const [destinationId, cached] of [...this.#open]) {
      const current = await this.destinations.get(cached.devId, destinationId);
      if (!current || current.updatedAt !== cached.version) await this.#forget(destinationId);
    }
  }

  /** How many destination clients this process holds open (tests, health). */
  get openClients(): number {
    return this.#open.size;
  }

  /** The queue job: one attempt of one delivery; then the next parked delivery of its destination is admitted. */
  async handleJob(job: Job): Promise<void> {
    const devId = String(job.data.devId);
    const deliveryId = String(job.data.deliveryId);
    const attempt = Number(job.data.attempt);
    const startedAt = Date.now();
    // A due retry is parked (it held no slot while it waited): it runs if it can take one now.
    const delivery = await this.deliveries.claim(devId, deliveryId, startedAt, this.leaseMs, {
      destination: this.destinationConcurrency,
      developer: this.developerConcurrency,
    });
    if (!delivery) return; // delivered, dead, or held by another worker right now
    try {
      await this.#handleClaimed(devId, deliveryId, attempt, startedAt, delivery);
    } finally {
      // This delivery left the queue (or is waiting for its retry): its destination may take another.
      await this.#refillAfter(devId, delivery.destinationId).catch((error: unknown) =>
        this.#deps.logger.warn('admitting parked deliveries failed; the sweep will', { error }),
      );
    }
  }

  async #handleClaimed(
    devId: string,
    deliveryId: string,
    attempt: number,
    startedAt: number,
    delivery: ClaimedDelivery,
  ): Promise<void> {
    if (delivery.attempts !== attempt) {
      // A stale job (the delivery moved on: redelivered by hand, or retried meanwhile).
      await this.deliveries.release(devId, deliveryId);
      return;
    }
    const destination = await this.destinations.get(devId, delivery.destinationId);
    if (!destination) {
      // Deleted, perhaps by another process: its client here is closed too.
      await this.#forget(delivery.destinationId);
      return this.deliveries.abandon(delivery, 'destination deleted');
    }
    if (destination.secretsUnreadable)
      return this.deliveries.abandon(
        delivery,
        'the destination’s secrets cannot be opened (was TRIBUTARY_ENCRYPTION_KEY changed?); set them again with PATCH',
      );
    if (!destination.enabled)
      return this.deliveries.abandon(
        delivery,
        `destination disabled${destination.statusNotice ? `: ${destination.statusNotice}` : ''}`,
      );
    const event = await this.#deps.store.events.get(devId, delivery.eventId);
    if (!event) return this.deliveries.abandon(delivery, 'event no longer exists (its user was deleted)');

    const outcome = await this.#boundedAttempt(destination, delivery, event);
    const now = Date.now();
    const durationMs = now - startedAt;
    const observe = (result: DeliveryOutcome) =>
      this.#deps.metrics?.deliveryAttempt({
        destinationType: destination.type,
        outcome: result,
        seconds: durationMs / 1000,
        ...(result === 'delivered' ? { sinceCommitSeconds: Math.max(0, now - event.createdMs) / 1000 } : {}),
      });
    if (outcome.ok) {
      const recorded = await this.deliveries.recordAttempt(
        delivery,
        { startedAt, durationMs, statusCode: outcome.statusCode ?? null, error: null },
        { status: 'delivered' },
      );
      observe(recorded ? 'delivered' : 'stale');
      if (!recorded) return this.#stale(delivery);
      if (destination.failingSince !== null) await this.destinations.markHealthy(devId, destination.destinationId);
      return;
    }
    const decision = outcome.retryable
      ? nextRetry({
          attempts: delivery.attempts + 1,
          scheduleSeconds: this.#deps.settings.retryScheduleSeconds,
          retryAfterMs: outcome.retryAfterMs,
        })
      : ({ retry: false } as const);
    const attemptRecord = { startedAt, durationMs, statusCode: outcome.statusCode ?? null, error: outcome.error };
    if (decision.retry) {
      const nextAttemptAt = now + decision.delayMs;
      const recorded = await this.deliveries.recordAttempt(delivery, attemptRecord, {
        status: 'pending',
        nextAttemptAt,
      });
      observe(recorded ? 'retrying' : 'stale');
      if (!recorded) return this.#stale(delivery);
      await this.#deps.queue.add([
        {
          id: jobId(deliveryId, delivery.attempts + 1),
          data: { devId, deliveryId, attempt: delivery.attempts + 1 },
          runAt: nextAttemptAt,
        },
      ]);
    } else {
      const recorded = await this.deliveries.recordAttempt(delivery, attemptRecord, { status: 'failed' });
      observe(recorded ? 'failed' : 'stale');
      if (!recorded) return this.#stale(delivery);
    }
    const disabled = await this.destinations.markFailing(
      devId,
      destination.destinationId,
      now,
      this.#deps.settings.disableAfterSeconds * 1000,
    );
    if (disabled)
      this.#deps.logger.warn('destination disabled after failing continuously', {
        devId,
        destinationId: destination.destinationId,
      });
  }

  /**
   * One attempt, bounded inside its lease: the lease is the attempt budget plus a margin to
   * record the result, so whatever a destination SDK does (its own retries, a slow connect),
   * the attempt counts as over once the budget is spent. Work the SDK still does afterwards
   * is harmless: every destination write is idempotent, and the result write is fenced.
   */
  async #boundedAttempt(
    destination: StoredDestination,
    delivery: Delivery,
    event: StoredEvent,
  ): Promise<AttemptOutcome> {
    const budgetMs = this.#deps.settings.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<AttemptOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            retryable: true,
            error: `no result within ${budgetMs} ms (the per-attempt budget, TRIBUTARY_WEBHOOK_TIMEOUT_MS)`,
          }),
        budgetMs,
      );
    });
    try {
      return await Promise.race([this.#attempt(destination, delivery, event), overrun]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Our lease expired and another worker took the delivery over: its result, not ours, counts. */
  #stale(delivery: Delivery): void {
    this.#deps.logger.warn('delivery attempt finished after its lease was taken over; result discarded', {
      devId: delivery.devId,
      deliveryId: delivery.deliveryId,
    });
  }

  async #attempt(destination: StoredDestination, delivery: Delivery, event: StoredEvent) {
    try {
      const instance = this.#instance(destination);
      const isData = (DATA_TYPES as readonly string[]).includes(event.type);
      const services = this.#services(destination.devId, destination.format);
      const rendered =
        destination.deliveryMode === 'ping' && isData
          ? (() => {
              const payload = s3PayloadEvent(
                services.payloadUrl(event.eventId, PING_URL_TTL_SECONDS),
                PING_URL_TTL_SECONDS,
              );
              return { body: JSON.stringify(payload), payload };
            })()
          : renderEvent(destination.format, event, { fitUrl: services.fitUrl });
      return await instance.deliver({
        eventId: event.eventId,
        type: event.type,
        userId: event.userId,
        reference: event.reference,
        body: rendered.body,
        payload: rendered.payload,
        traceId: delivery.traceId,
        orderingTimestamp: event.createdMs,
      });
    } catch (error) {
      return {
        ok: false as const,
        retryable: true,
        error: `destination error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  #instance(destination: StoredDestination): Destination {
    const version = destination.updatedAt;
    const cached = this.#open.get(destination.destinationId);
    if (cached && cached.version === version) return cached.destination;
    if (cached) void cached.destination.close().catch(() => undefined);
    const definition = this.#definition(destination.type);
    const config = definition.parseConfig({ ...destination.config, ...destination.secrets });
    const opened = definition.open(config, this.#services(destination.devId, destination.format));
    this.#open.set(destination.destinationId, { devId: destination.devId, version, destination: opened });
    return opened;
  }

  async #forget(destinationId: string): Promise<void> {
    const cached = this.#open.get(destinationId);
    this.#open.delete(destinationId);
    if (cached) await cached.destination.close().catch(() => undefined);
  }

  #services(devId: string, format?: EventFormat): DestinationServices {
    const fitLinks = format === 'fit' ? this.#deps.fitLinks : undefined;
    return {
      payloadUrl: (eventId, expiresInSeconds) => this.#deps.payloadUrls.url(devId, eventId, expiresInSeconds),
      ...(fitLinks
        ? { fitUrl: (eventId: string, expiresInSeconds: number) => fitLinks.url(devId, eventId, expiresInSeconds) }
        : {}),
      timeoutMs: this.#deps.settings.timeoutMs,
      allowPrivateNetworks: this.#deps.settings.allowPrivateNetworks,
      allowAmbientCredentials: this.#deps.settings.allowAmbientCredentials ?? false,
    };
  }

  #definition(type: string): DestinationDefinition {
    const definition = destinationDefinition(type);
    if (!definition) throw new TributaryError('internal', `destination type ${type} is not available in this build`);
    return definition;
  }

  async #enqueue(deliveries: readonly Delivery[], suffix?: string): Promise<void> {
    await this.#deps.queue.add(
      deliveries.map((d) => ({
        id: suffix ? `${jobId(d.deliveryId, d.attempts)}.${suffix}` : jobId(d.deliveryId, d.attempts),
        data: { devId: d.devId, deliveryId: d.deliveryId, attempt: d.attempts },
        runAt: d.nextAttemptAt ?? undefined,
      })),
    );
  }

  async close(): Promise<void> {
    for (const id of [...this.#open.keys()]) await this.#forget(id);
  }
}

/** One job per attempt of a delivery, so a re-add of the same attempt is ignored by the queue. */
function jobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}.${attempt}`;
}

/**
 * X-Terra-Trace-Id: one per event × destination, kept on every retry. The chunks of one
 * large request share a base (derived from reference × destination) and end in `:chunk:<n>`.
 */
function traceIdFor(event: OutboxEntry, destinationId: string, chunk: number | undefined): string {
  if (chunk === undefined || !event.reference) return randomUUID();
  const hex = createHash('sha256').update(`${event.reference}|${destinationId}`).digest('hex');
  const base = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `${base}:chunk:${chunk}`;
}

/** A range is "large" (Terra) when it spans more than one calendar month. */
export function isLongerThanOneMonth(startMs: number, endMs: number): boolean {
  const start = new Date(startMs);
  const oneMonthLater = Date.UTC(
    start.getUTCFullYear(),
    start.getUTCMonth() + 1,
    start.getUTCDate(),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
  return endMs > oneMonthLater;
}

/** Groups stored records into chunks of at most CHUNK_MAX_RECORDS records and CHUNK_MAX_BYTES bytes (a single larger record goes alone). */
export function chunkRecords(
  rows: readonly string[],
  maxRecords = CHUNK_MAX_RECORDS,
  maxBytes = CHUNK_MAX_BYTES,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row, 'utf8');
    if (current.length > 0 && (current.length >= maxRecords || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function parseRecord(row: string): TerraRecord {
  return JSON.parse(row) as TerraRecord;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParameter('body', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The type-specific fields: `config: {…}` or every non-common top-level key. */
function typeConfig(input: Record<string, unknown>): Record<string, unknown> {
  if (input.config !== undefined) return asObjectParam('config', input.config);
  return Object.fromEntries(Object.entries(input).filter(([key]) => !COMMON_KEYS.has(key)));
}

function asObjectParam(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badParameter(name, `${name} must be an object`);
  return value as Record<string, unknown>;
}

function splitSecrets(
  definition: DestinationDefinition,
  config: unknown,
): { visible: Record<string, unknown>; secrets: Record<string, unknown> } {
  const visible: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (definition.secretFields.includes(key)) secrets[key] = value;
    else visible[key] = value;
  }
  return { visible, secrets };
}

function parseDeliveryMode(value: unknown): DeliveryMode | undefined {
  if (value === undefined) return undefined;
  if (!DELIVERY_MODES.includes(value as DeliveryMode))
    throw badParameter('delivery_mode', `delivery_mode must be one of ${DELIVERY_MODES.join(', ')}`);
  return value as DeliveryMode;
}

function parseFormat(value: unknown): EventFormat | undefined {
  if (value === undefined) return undefined;
  if (!EVENT_FORMATS.includes(value as EventFormat))
    throw badParameter('format', `format must be one of ${EVENT_FORMATS.join(', ')}`);
  return value as EventFormat;
}

function parseEventTypes(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string'))
    throw badParameter('event_types', 'event_types must be a non-empty array of event type names (or null for all)');
  const unknown = (value as string[]).find((v) => !EVENT_TYPES.includes(v));
  if (unknown)
    throw badParameter(
      'event_types',
      `unknown event type ${JSON.stringify(unknown)}: one of ${EVENT_TYPES.join(', ')}`,
    );
  return [...new Set(value as string[])];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export type { DataType };

/** An event that carries a user's health data (not an auth/deauth notice about the user). */
function isDataEvent(event: StoredEvent): boolean {
  return event.userId !== null && (DATA_TYPES as readonly string[]).includes(event.type);
}
