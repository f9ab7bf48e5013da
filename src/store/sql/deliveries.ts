import { randomBytes } from 'node:crypto';
import { monotonicMicros } from '../../core/clock.ts';
import { badParameter } from '../../core/errors.ts';
import type { Delivery, DeliveryRepo, DeliveryStatus } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
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

const toDelivery = (row: Row): Delivery => ({
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

/** A new pending delivery; an existing one for the same destination and event stays as it is. */
const INSERT_DELIVERY = `INSERT INTO deliveries (delivery_id, dev_id, destination_id, event_id, event_type, trace_id, status, attempts, next_attempt_at, created_at, created_ms)
  VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (destination_id, event_id) DO NOTHING`;

/** The parameters of `INSERT_DELIVERY` for one delivery to create. */
function deliveryRow(devId: string, item: Parameters<DeliveryRepo['create']>[1][number], now: number): unknown[] {
  return [
    deliveryId(),
    devId,
    item.destinationId,
    item.eventId,
    item.eventType,
    item.traceId,
    now,
    new Date(now).toISOString(),
    now,
  ];
}

export function deliveryRepo(db: Db): DeliveryRepo {
  const repo: DeliveryRepo = {
    async create(devId, input, now = Date.now()) {
      const out: Delivery[] = [];
      if (db.dialect === 'postgres') {
        // One round trip per delivery: the insert, or the row an earlier pass inserted. A row
        // another dispatcher commits during this statement is not seen (statement snapshot):
        // that dispatcher enqueues it, and the sweep re-enqueues it if it died first.
        for (const item of input) {
          const row = await db.get<Row>(
            `WITH inserted AS (${INSERT_DELIVERY} RETURNING *)
             SELECT * FROM inserted
             UNION ALL
             SELECT * FROM deliveries WHERE destination_id = ? AND event_id = ? AND dev_id = ? AND NOT EXISTS (SELECT 1 FROM inserted)`,
            [...deliveryRow(devId, item, now), item.destinationId, item.eventId, devId],
          );
          if (row && row.status === 'pending') out.push(toDelivery(row));
        }
        return out;
      }
      for (const item of input) {
        await db.run(INSERT_DELIVERY, deliveryRow(devId, item, now));
        const row = await db.get<Row>(
          'SELECT * FROM deliveries WHERE destination_id = ? AND event_id = ? AND dev_id = ?',
          [item.destinationId, item.eventId, devId],
        );
        if (row && row.status === 'pending') out.push(toDelivery(row));
      }
      return out;
    },

    async get(devId, deliveryId) {
      const row = await db.get<Row>('SELECT * FROM deliveries WHERE dev_id = ? AND delivery_id = ?', [
        devId,
        deliveryId,
      ]);
      return row && toDelivery(row);
    },

    async list(devId, filter) {
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
      if (filter.eventType) {
        where.push('event_type = ?');
        params.push(filter.eventType);
      }
      if (filter.userId) {
        where.push('event_id IN (SELECT event_id FROM events WHERE dev_id = ? AND user_id = ?)');
        params.push(devId, filter.userId);
      }
      if (filter.cursor) {
        const { ms, id } = decodeCursor(filter.cursor);
        where.push('(created_ms < ? OR (created_ms = ? AND delivery_id < ?))');
        params.push(ms, ms, id);
      }
      params.push(filter.limit + 1);
      const rows = await db.all<Row>(
        `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, delivery_id DESC LIMIT ?`,
        params,
      );
      const page = rows.slice(0, filter.limit).map(toDelivery);
      const last = page.at(-1);
      return {
        deliveries: page,
        nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdMs, last.deliveryId) : null,
      };
    },

    async attempts(devId, deliveryId) {
      const rows = await db.all<{
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
    },

    async claim(devId, deliveryId, now, leaseMs, caps) {
      // With caps, only a queued delivery is taken as it is; a parked one must get a slot first.
      const queuedOnly = caps ? ' AND enqueued_ms IS NOT NULL' : '';
      const take = (tx: Db) =>
        tx.get<Row>(
          `UPDATE deliveries SET lease_until = ? WHERE dev_id = ? AND delivery_id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?)${queuedOnly} RETURNING *`,
          [now + leaseMs, devId, deliveryId, now],
        );
      let row = await take(db);
      if (!row && caps) {
        // Parked (a retry woken by its timer): it runs now only if it can take a slot under the
        // caps, counted under the developer's lock; otherwise it waits its turn, parked.
        row = await db.transaction(async (tx) => {
          await lockDeveloper(tx, devId);
          const parked = await tx.get<Row>(
            `SELECT * FROM deliveries WHERE dev_id = ? AND delivery_id = ? AND status = 'pending' AND enqueued_ms IS NULL AND next_attempt_at <= ?`,
            [devId, deliveryId, now],
          );
          if (!parked) return undefined;
          if ((await freeSlots(tx, devId, parked.destination_id, caps.destination, caps.developer)) <= 0)
            return undefined;
          await tx.run('UPDATE deliveries SET enqueued_ms = ? WHERE delivery_id = ? AND enqueued_ms IS NULL', [
            now,
            deliveryId,
          ]);
          return take(tx);
        });
      }
      return row && { ...toDelivery(row), leaseUntil: now + leaseMs };
    },

    async release(devId, deliveryId) {
      await db.run('UPDATE deliveries SET lease_until = NULL WHERE dev_id = ? AND delivery_id = ?', [
        devId,
        deliveryId,
      ]);
    },

    async recordAttempt(delivery, attempt, next) {
      const number = delivery.attempts + 1;
      const leaseUntil = 'leaseUntil' in delivery ? delivery.leaseUntil : undefined;
      const update = {
        // A delivery waiting for its retry is parked: it holds no slot of its destination's cap.
        sql: `UPDATE deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL, delivered_at = ?, enqueued_ms = NULL
           WHERE dev_id = ? AND delivery_id = ?${leaseUntil === undefined ? '' : ' AND lease_until = ?'}`,
        params: [
          next.status,
          number,
          attempt.statusCode,
          attempt.error,
          next.status === 'pending' ? next.nextAttemptAt : null,
          next.status === 'delivered' ? new Date().toISOString() : null,
          delivery.devId,
          delivery.deliveryId,
          ...(leaseUntil === undefined ? [] : [leaseUntil]),
        ],
      };
      const log = [
        new Date(attempt.startedAt).toISOString(),
        Math.round(attempt.durationMs),
        attempt.statusCode,
        attempt.error,
      ];
      if (db.dialect === 'postgres') {
        // One statement, so one round trip and still atomic: the fenced status update, and the
        // attempt row only for a delivery that update touched (a stale worker writes neither).
        const row = await db.get<{ n: number | string }>(
          `WITH updated AS (${update.sql} RETURNING delivery_id, dev_id),
           logged AS (
             INSERT INTO delivery_attempts (delivery_id, attempt, dev_id, started_at, duration_ms, status_code, error)
             SELECT delivery_id, ?::integer, dev_id, ?::text, ?::integer, ?::integer, ?::text FROM updated
             ON CONFLICT (delivery_id, attempt) DO NOTHING)
           SELECT COUNT(*) AS n FROM updated`,
          [...update.params, number, ...log],
        );
        return Number(row?.n ?? 0) > 0;
      }
      // One transaction: the log and the status never disagree. The status update goes first
      // and is fenced on the lease this worker holds, so a stale worker writes neither.
      return db.transaction(async (tx) => {
        const { changes } = await tx.run(update.sql, update.params);
        if (changes === 0) return false;
        await tx.run(
          'INSERT INTO delivery_attempts (delivery_id, attempt, dev_id, started_at, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING',
          [delivery.deliveryId, number, delivery.devId, ...log],
        );
        return true;
      });
    },

    async abandon(delivery, reason) {
      await db.run(
        `UPDATE deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, lease_until = NULL WHERE dev_id = ? AND delivery_id = ?`,
        [reason, delivery.devId, delivery.deliveryId],
      );
    },

    async redeliver(devId, deliveryId, now) {
      await db.run(
        `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, delivered_at = NULL, enqueued_ms = ? WHERE dev_id = ? AND delivery_id = ?`,
        [now, now, devId, deliveryId],
      );
      return repo.get(devId, deliveryId);
    },

    async admit(devId, destinationId, cap, now, developerCap = Number.POSITIVE_INFINITY) {
      return db.transaction(async (tx) => {
        // Counted under the developer's lock: two processes admitting at once cannot both see
        // the same free slots (the cap holds across processes, not only within one).
        await lockDeveloper(tx, devId);
        const free = await freeSlots(tx, devId, destinationId, cap, developerCap);
        if (free <= 0) return [];
        const rows = await tx.all<Row>(
          `SELECT * FROM deliveries WHERE destination_id = ? AND status = 'pending' AND enqueued_ms IS NULL AND dev_id = ? AND next_attempt_at <= ?
           ORDER BY next_attempt_at, created_ms, delivery_id LIMIT ?`,
          [destinationId, devId, now, free],
        );
        const admitted: Delivery[] = [];
        for (const row of rows) {
          const { changes } = await tx.run(
            'UPDATE deliveries SET enqueued_ms = ? WHERE delivery_id = ? AND enqueued_ms IS NULL',
            [now, row.delivery_id],
          );
          if (changes === 1) admitted.push(toDelivery(row));
        }
        return admitted;
      });
    },

    async markEnqueued(devId, deliveryIds, now) {
      for (const id of deliveryIds)
        await db.run('UPDATE deliveries SET enqueued_ms = ? WHERE dev_id = ? AND delivery_id = ?', [now, devId, id]);
    },

    async parkedDestinations(limit, now = Date.now(), devId) {
      const rows = await db.all<{ dev_id: string; destination_id: string }>(
        `SELECT DISTINCT dev_id, destination_id FROM deliveries WHERE status = 'pending' AND enqueued_ms IS NULL AND next_attempt_at <= ?${devId === undefined ? '' : ' AND dev_id = ?'} LIMIT ?`,
        devId === undefined ? [now, limit] : [now, devId, limit],
      );
      return rows.map((row) => ({ devId: row.dev_id, destinationId: row.destination_id }));
    },

    async overdue(now, graceMs, limit) {
      const rows = await db.all<Row>(
        `SELECT * FROM deliveries WHERE status = 'pending' AND enqueued_ms IS NOT NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?`,
        [now - graceMs, now, limit],
      );
      return rows.map(toDelivery);
    },

    async countDeliveredSince(devId, destinationId, sinceMs) {
      const row = await db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM deliveries WHERE dev_id = ? AND destination_id = ? AND status = 'delivered' AND created_ms >= ?`,
        [devId, destinationId, sinceMs],
      );
      return Number(row?.n ?? 0);
    },

    async setChunk(devId, eventId, reference, chunk) {
      await db.run(
        'INSERT INTO event_chunks (event_id, dev_id, reference, chunk) VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
        [eventId, devId, reference, chunk],
      );
    },

    async chunkOf(devId, eventId) {
      const row = await db.get<{ chunk: number }>('SELECT chunk FROM event_chunks WHERE dev_id = ? AND event_id = ?', [
        devId,
        eventId,
      ]);
      return row ? Number(row.chunk) : undefined;
    },
  };
  return repo;
}

/**
 * Serializes admissions of one developer's deliveries across processes (PostgreSQL: a
 * transaction-scoped advisory lock; SQLite: its transactions already run one at a time).
 */
async function lockDeveloper(tx: Db, devId: string): Promise<void> {
  if (tx.dialect === 'postgres')
    await tx.get('SELECT pg_advisory_xact_lock(hashtextextended(?, 0)) AS locked', [`deliveries:${devId}`]);
}

/** Slots left under the destination's cap and the developer's cap (queued = pending and enqueued). */
async function freeSlots(
  tx: Db,
  devId: string,
  destinationId: string,
  cap: number,
  developerCap: number,
): Promise<number> {
  const count = async (where: string, params: unknown[]) =>
    Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM deliveries WHERE ${where}`, params))?.n ?? 0);
  const queued = await count(`destination_id = ? AND status = 'pending' AND enqueued_ms IS NOT NULL AND dev_id = ?`, [
    destinationId,
    devId,
  ]);
  let free = cap - queued;
  if (free > 0 && Number.isFinite(developerCap))
    free = Math.min(
      free,
      developerCap - (await count(`dev_id = ? AND status = 'pending' AND enqueued_ms IS NOT NULL`, [devId])),
    );
  return free;
}

function encodeCursor(ms: number, id: string): string {
  return Buffer.from(`${ms}:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d+):(dlv_[0-9a-f]+)$/.exec(text);
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2] };
}

/** Delivery ids sort by creation (monotonic microseconds first), so the log pages in a stable order. */
function deliveryId(): string {
  return `dlv_${monotonicMicros().toString(16).padStart(14, '0')}${randomBytes(8).toString('hex')}`;
}
