import type { SecretBox } from '../core/crypto.ts';
import { badParameter } from '../core/errors.ts';
import { randomBytes } from 'node:crypto';
import { monotonicMicros } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/sql/db.ts';

/**
 * Storage of destinations and deliveries, over the store's driver (the tables come from
 * migration 0020). Every tenant query takes the developer id; only the worker-side
 * sweeps (`overdue`) read across developers, as the outbox dispatcher does.
 */
export type DeliveryMode = 'push' | 'ping';
export type EventFormat = 'json' | 'fit' | 'fhir';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface StoredDestination {
  destinationId: string;
  devId: string;
  type: string;
  /** Settings in clear (the webhook's `url`, a bucket name…). */
  config: Record<string, unknown>;
  /** Secret fields, opened (sealed at rest). */
  secrets: Record<string, unknown>;
  deliveryMode: DeliveryMode;
  /** null = every event type. */
  eventTypes: string[] | null;
  format: EventFormat;
  enabled: boolean;
  /** Why the destination was disabled, when it was. */
  statusNotice: string | null;
  /** Epoch ms of the first failure of the current failure streak. */
  failingSince: number | null;
  createdAt: string;
  updatedAt: string;
}

interface DestinationRow {
  destination_id: string;
  dev_id: string;
  type: string;
  config: string;
  secrets_sealed: string | null;
  delivery_mode: DeliveryMode;
  event_types: string | null;
  format: EventFormat;
  enabled: number;
  status_notice: string | null;
  failing_since: number | null;
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  deliveryId: string;
  devId: string;
  destinationId: string;
  eventId: string;
  eventType: string;
  traceId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: string;
  createdMs: number;
  deliveredAt: string | null;
}

interface DeliveryRow {
  delivery_id: string;
  dev_id: string;
  destination_id: string;
  event_id: string;
  event_type: string;
  trace_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: string;
  created_ms: number;
  delivered_at: string | null;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  deliveryId: row.delivery_id,
  devId: row.dev_id,
  destinationId: row.destination_id,
  eventId: row.event_id,
  eventType: row.event_type,
  traceId: row.trace_id,
  status: row.status,
  attempts: Number(row.attempts),
  lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
  createdAt: row.created_at,
  createdMs: Number(row.created_ms),
  deliveredAt: row.delivered_at,
});

export interface NewDestination {
  type: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  deliveryMode: DeliveryMode;
  eventTypes: string[] | null;
  format: EventFormat;
}

export type DestinationPatch = Partial<
  Pick<StoredDestination, 'config' | 'secrets' | 'deliveryMode' | 'eventTypes' | 'format' | 'enabled'>
>;

export interface NewDelivery {
  destinationId: string;
  eventId: string;
  eventType: string;
  traceId: string;
}

export class DeliveryRepo {
  readonly #db: Db;
  readonly #box: SecretBox;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /** The same repository inside a transaction of the store. */
  within(db: Db): DeliveryRepo {
    return new DeliveryRepo(db, this.#box);
  }

  #toDestination(row: DestinationRow): StoredDestination {
    return {
      destinationId: row.destination_id,
      devId: row.dev_id,
      type: row.type,
      config: JSON.parse(row.config) as Record<string, unknown>,
      secrets: row.secrets_sealed ? this.#box.openJson<Record<string, unknown>>(row.secrets_sealed) : {},
      deliveryMode: row.delivery_mode,
      eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
      format: row.format,
      enabled: Number(row.enabled) === 1,
      statusNotice: row.status_notice,
      failingSince: row.failing_since === null ? null : Number(row.failing_since),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async createDestination(devId: string, input: NewDestination): Promise<StoredDestination> {
    const now = new Date().toISOString();
    const id = newId('dst');
    await this.#db.run(
      `INSERT INTO destinations (destination_id, dev_id, type, config, secrets_sealed, delivery_mode, event_types, format, enabled, status_notice, failing_since, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, ?, ?)`,
      [
        id,
        devId,
        input.type,
        JSON.stringify(input.config),
        this.#box.sealJson(input.secrets),
        input.deliveryMode,
        input.eventTypes && JSON.stringify(input.eventTypes),
        input.format,
        now,
        now,
      ],
    );
    return (await this.getDestination(devId, id))!;
  }

  async getDestination(devId: string, destinationId: string): Promise<StoredDestination | undefined> {
    const row = await this.#db.get<DestinationRow>(
      'SELECT * FROM destinations WHERE dev_id = ? AND destination_id = ?',
      [devId, destinationId],
    );
    return row && this.#toDestination(row);
  }

  async listDestinations(devId: string): Promise<StoredDestination[]> {
    const rows = await this.#db.all<DestinationRow>(
      'SELECT * FROM destinations WHERE dev_id = ? ORDER BY created_at, destination_id',
      [devId],
    );
    return rows.map((row) => this.#toDestination(row));
  }

  /** Enabled destinations that take events of `type`. */
  async destinationsFor(devId: string, type: string): Promise<StoredDestination[]> {
    const rows = await this.#db.all<DestinationRow>(
      'SELECT * FROM destinations WHERE dev_id = ? AND enabled = 1 ORDER BY created_at, destination_id',
      [devId],
    );
    return rows
      .map((row) => this.#toDestination(row))
      .filter((d) => d.eventTypes === null || d.eventTypes.includes(type));
  }

  async updateDestination(
    devId: string,
    destinationId: string,
    patch: DestinationPatch,
  ): Promise<StoredDestination | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (patch.config !== undefined) set('config', JSON.stringify(patch.config));
    if (patch.secrets !== undefined) set('secrets_sealed', this.#box.sealJson(patch.secrets));
    if (patch.deliveryMode !== undefined) set('delivery_mode', patch.deliveryMode);
    if (patch.eventTypes !== undefined) set('event_types', patch.eventTypes && JSON.stringify(patch.eventTypes));
    if (patch.format !== undefined) set('format', patch.format);
    if (patch.enabled !== undefined) {
      set('enabled', patch.enabled ? 1 : 0);
      // Re-enabling by hand starts a fresh failure window.
      if (patch.enabled) {
        set('status_notice', null);
        set('failing_since', null);
      }
    }
    set('updated_at', new Date().toISOString());
    params.push(devId, destinationId);
    await this.#db.run(`UPDATE destinations SET ${sets.join(', ')} WHERE dev_id = ? AND destination_id = ?`, params);
    return this.getDestination(devId, destinationId);
  }

  async deleteDestination(devId: string, destinationId: string): Promise<boolean> {
    const { changes } = await this.#db.run('DELETE FROM destinations WHERE dev_id = ? AND destination_id = ?', [
      devId,
      destinationId,
    ]);
    return changes > 0;
  }

  async markDestinationHealthy(devId: string, destinationId: string): Promise<void> {
    await this.#db.run(
      'UPDATE destinations SET failing_since = NULL WHERE dev_id = ? AND destination_id = ? AND failing_since IS NOT NULL',
      [devId, destinationId],
    );
  }

  /**
   * Records a failed attempt. Returns true when the destination has now failed for longer
   * than `disableAfterMs` without a success, and was disabled.
   */
  async markDestinationFailing(
    devId: string,
    destinationId: string,
    now: number,
    disableAfterMs: number,
  ): Promise<boolean> {
    // Two statements, each atomic: a success in between (failing_since reset) simply wins.
    await this.#db.run(
      'UPDATE destinations SET failing_since = ? WHERE dev_id = ? AND destination_id = ? AND failing_since IS NULL',
      [now, devId, destinationId],
    );
    const notice = `disabled at ${new Date(now).toISOString()}: every delivery failed for more than ${Math.round(disableAfterMs / 1000)} s; fix the endpoint, then PATCH {"enabled": true}`;
    const { changes } = await this.#db.run(
      `UPDATE destinations SET enabled = 0, status_notice = ?, updated_at = ?
       WHERE dev_id = ? AND destination_id = ? AND enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ?`,
      [notice, new Date(now).toISOString(), devId, destinationId, now - disableAfterMs],
    );
    return changes > 0;
  }

  /** Inserts deliveries; an existing (destination, event) pair is kept as is. Returns the pending ones. */
  async createDeliveries(devId: string, input: readonly NewDelivery[], now = Date.now()): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (const item of input) {
      await this.#db.run(
        `INSERT INTO deliveries (delivery_id, dev_id, destination_id, event_id, event_type, trace_id, status, attempts, next_attempt_at, created_at, created_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (destination_id, event_id) DO NOTHING`,
        [
          deliveryId(),
          devId,
          item.destinationId,
          item.eventId,
          item.eventType,
          item.traceId,
          now,
          new Date(now).toISOString(),
          now,
        ],
      );
      const row = await this.#db.get<DeliveryRow>(
        'SELECT * FROM deliveries WHERE destination_id = ? AND event_id = ? AND dev_id = ?',
        [item.destinationId, item.eventId, devId],
      );
      if (row && row.status === 'pending') out.push(toDelivery(row));
    }
    return out;
  }

  async getDelivery(devId: string, deliveryId: string): Promise<Delivery | undefined> {
    const row = await this.#db.get<DeliveryRow>('SELECT * FROM deliveries WHERE dev_id = ? AND delivery_id = ?', [
      devId,
      deliveryId,
    ]);
    return row && toDelivery(row);
  }

  /** Newest first; `cursor` continues after the last item of the previous page. */
  async listDeliveries(
    devId: string,
    filter: { destinationId?: string; status?: DeliveryStatus; eventId?: string; limit: number; cursor?: string },
  ): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
    const where = ['dev_id = ?'];
    const params: unknown[] = [devId];
    if (filter.destinationId) {
      where.push('destination_id = ?');
      params.push(filter.destinationId);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.eventId) {
      where.push('event_id = ?');
      params.push(filter.eventId);
    }
    if (filter.cursor) {
      const { ms, id } = decodeCursor(filter.cursor);
      where.push('(created_ms < ? OR (created_ms = ? AND delivery_id < ?))');
      params.push(ms, ms, id);
    }
    params.push(filter.limit + 1);
    const rows = await this.#db.all<DeliveryRow>(
      `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, delivery_id DESC LIMIT ?`,
      params,
    );
    const page = rows.slice(0, filter.limit).map(toDelivery);
    const last = page.at(-1);
    return {
      deliveries: page,
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdMs, last.deliveryId) : null,
    };
  }

  async attempts(devId: string, deliveryId: string): Promise<DeliveryAttempt[]> {
    const rows = await this.#db.all<{
      attempt: number;
      started_at: string;
      duration_ms: number;
      status_code: number | null;
      error: string | null;
    }>(
      'SELECT attempt, started_at, duration_ms, status_code, error FROM delivery_attempts WHERE dev_id = ? AND delivery_id = ? ORDER BY attempt',
      [devId, deliveryId],
    );
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      startedAt: r.started_at,
      durationMs: Number(r.duration_ms),
      statusCode: r.status_code === null ? null : Number(r.status_code),
      error: r.error,
    }));
  }

  /**
   * Takes a pending delivery for one attempt: only one worker holds it until `leaseMs`
   * passes, so a delivery is never sent twice at the same time, whatever the queue does.
   */
  async claim(devId: string, deliveryId: string, now: number, leaseMs: number): Promise<Delivery | undefined> {
    const row = await this.#db.get<DeliveryRow>(
      `UPDATE deliveries SET lease_until = ? WHERE dev_id = ? AND delivery_id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?) RETURNING *`,
      [now + leaseMs, devId, deliveryId, now],
    );
    return row && toDelivery(row);
  }

  async release(devId: string, deliveryId: string): Promise<void> {
    await this.#db.run('UPDATE deliveries SET lease_until = NULL WHERE dev_id = ? AND delivery_id = ?', [
      devId,
      deliveryId,
    ]);
  }

  async recordAttempt(
    delivery: Delivery,
    attempt: { startedAt: number; durationMs: number; statusCode: number | null; error: string | null },
    next: { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: number },
  ): Promise<void> {
    const number = delivery.attempts + 1;
    // No transaction (two round trips fewer on PostgreSQL): a crash between the two leaves the
    // attempt logged and the delivery pending, so it is simply tried again (at least once).
    await this.#db.run(
      'INSERT INTO delivery_attempts (delivery_id, attempt, dev_id, started_at, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING',
      [
        delivery.deliveryId,
        number,
        delivery.devId,
        new Date(attempt.startedAt).toISOString(),
        Math.round(attempt.durationMs),
        attempt.statusCode,
        attempt.error,
      ],
    );
    await this.#db.run(
      `UPDATE deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL, delivered_at = ?
       WHERE dev_id = ? AND delivery_id = ?`,
      [
        next.status,
        number,
        attempt.statusCode,
        attempt.error,
        next.status === 'pending' ? next.nextAttemptAt : null,
        next.status === 'delivered' ? new Date().toISOString() : null,
        delivery.devId,
        delivery.deliveryId,
      ],
    );
  }

  /** Ends a delivery without an attempt (its destination was deleted or disabled). */
  async abandon(delivery: Delivery, reason: string): Promise<void> {
    await this.#db.run(
      `UPDATE deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, lease_until = NULL WHERE dev_id = ? AND delivery_id = ?`,
      [reason, delivery.devId, delivery.deliveryId],
    );
  }

  /**
   * Puts a delivery back to pending for an attempt now (manual redelivery). The lease is kept:
   * an attempt in flight finishes first, so one delivery is never sent twice at once.
   */
  async redeliver(devId: string, deliveryId: string, now: number): Promise<Delivery | undefined> {
    await this.#db.run(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, delivered_at = NULL WHERE dev_id = ? AND delivery_id = ?`,
      [now, devId, deliveryId],
    );
    return this.getDelivery(devId, deliveryId);
  }

  /** Pending deliveries whose attempt is overdue by `graceMs` (their job was lost or is stuck), across developers. */
  async overdue(now: number, graceMs: number, limit: number): Promise<Delivery[]> {
    const rows = await this.#db.all<DeliveryRow>(
      `SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?`,
      [now - graceMs, now, limit],
    );
    return rows.map(toDelivery);
  }

  async countSince(devId: string, destinationId: string, sinceMs: number): Promise<number> {
    const row = await this.#db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM deliveries WHERE dev_id = ? AND destination_id = ? AND status = 'delivered' AND created_ms >= ?`,
      [devId, destinationId, sinceMs],
    );
    return Number(row?.n ?? 0);
  }

  async setChunk(devId: string, eventId: string, reference: string, chunk: number): Promise<void> {
    await this.#db.run(
      'INSERT INTO event_chunks (event_id, dev_id, reference, chunk) VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
      [eventId, devId, reference, chunk],
    );
  }

  async chunkOf(devId: string, eventId: string): Promise<number | undefined> {
    const row = await this.#db.get<{ chunk: number }>(
      'SELECT chunk FROM event_chunks WHERE dev_id = ? AND event_id = ?',
      [devId, eventId],
    );
    return row ? Number(row.chunk) : undefined;
  }
}

function encodeCursor(ms: number, id: string): string {
  return Buffer.from(`${ms}:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d+):(dlv_[0-9a-f]+)$/.exec(text);
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2]! };
}

/** Delivery ids sort by creation (monotonic microseconds first), so the log pages in a stable order. */
function deliveryId(): string {
  return `dlv_${monotonicMicros().toString(16).padStart(14, '0')}${randomBytes(8).toString('hex')}`;
}
