import { monotonicMicros } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { DataRequest, DataRequestRepo, EventRepo, StoredEvent } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
  event_id: string;
  dev_id: string;
  user_id: string | null;
  type: string;
  reference: string | null;
  payload: string;
  created_at: string;
  created_ms: number;
  dispatched: number;
}

const toEvent = (row: Row): StoredEvent => ({
  eventId: row.event_id,
  devId: row.dev_id,
  userId: row.user_id,
  type: row.type,
  reference: row.reference,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  createdAt: row.created_at,
  createdMs: Number(row.created_ms),
  dispatched: Number(row.dispatched) === 1,
});

export function eventRepo(db: Db): EventRepo {
  return {
    async insert(devId, input) {
      const now = Date.now();
      const event: StoredEvent = {
        eventId: newId('evt'),
        devId,
        userId: input.userId ?? null,
        type: input.type,
        reference: input.reference ?? null,
        payload: input.payload,
        createdAt: new Date(now).toISOString(),
        createdMs: now,
        dispatched: false,
      };
      await db.run(
        'INSERT INTO events (event_id, dev_id, user_id, type, reference, payload, created_at, created_ms, created_seq, dispatched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)',
        [
          event.eventId,
          devId,
          event.userId,
          event.type,
          event.reference,
          JSON.stringify(event.payload),
          event.createdAt,
          now,
          monotonicMicros(),
        ],
      );
      return event;
    },
    async get(devId, eventId) {
      const row = await db.get<Row>('SELECT * FROM events WHERE dev_id = ? AND event_id = ?', [devId, eventId]);
      return row && toEvent(row);
    },
    async list(devId, filter = {}) {
      const where = ['dev_id = ?'];
      const params: unknown[] = [devId];
      if (filter.userId) {
        where.push('user_id = ?');
        params.push(filter.userId);
      }
      if (filter.type) {
        where.push('type = ?');
        params.push(filter.type);
      }
      if (filter.afterMs !== undefined) {
        where.push('created_ms > ?');
        params.push(filter.afterMs);
      }
      params.push(filter.limit ?? 1000);
      return (
        await db.all<Row>(
          `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY created_ms, created_seq, event_id LIMIT ?`,
          params,
        )
      ).map(toEvent);
    },
    async undispatched(limit) {
      return (
        await db.all<Omit<Row, 'payload'>>(
          `SELECT event_id, dev_id, user_id, type, reference, created_at, created_ms, dispatched
           FROM events WHERE dispatched = 0 ORDER BY created_ms, created_seq, event_id LIMIT ?`,
          [limit],
        )
      ).map((row) => ({
        eventId: row.event_id,
        devId: row.dev_id,
        userId: row.user_id,
        type: row.type,
        reference: row.reference,
        createdAt: row.created_at,
        createdMs: Number(row.created_ms),
        dispatched: Number(row.dispatched) === 1,
      }));
    },
    async markDispatched(eventIds) {
      for (const id of eventIds) await db.run('UPDATE events SET dispatched = 1 WHERE event_id = ?', [id]);
    },
    async dispatchFailed(eventId, error, maxFailures) {
      const row = await db.get<{ dispatched: number | string }>(
        `UPDATE events SET dispatch_failures = dispatch_failures + 1, dispatch_error = ?,
           dispatched = CASE WHEN dispatch_failures + 1 >= ? THEN 2 ELSE dispatched END
         WHERE event_id = ? AND dispatched = 0 RETURNING dispatched`,
        [error.slice(0, 1000), maxFailures, eventId],
      );
      return Number(row?.dispatched ?? 0) === 2;
    },
    async purge({ beforeMs, readCopiesBeforeMs, limit }) {
      return db.transaction(async (tx) => {
        const settled =
          "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.event_id AND d.status = 'pending')";
        const ids = (
          await tx.all<{ event_id: string }>(
            `SELECT e.event_id FROM events e WHERE e.dispatched <> 0
               AND (e.created_ms < ? OR (e.reference IS NOT NULL AND e.created_ms < ?)) AND ${settled}
             ORDER BY e.created_ms LIMIT ?`,
            [beforeMs, readCopiesBeforeMs, limit],
          )
        ).map((row) => row.event_id);
        for (let offset = 0; offset < ids.length; offset += 200) {
          const chunk = ids.slice(offset, offset + 200);
          const list = chunk.map(() => '?').join(', ');
          await tx.run(
            `DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT delivery_id FROM deliveries WHERE event_id IN (${list}))`,
            chunk,
          );
          await tx.run(`DELETE FROM deliveries WHERE event_id IN (${list})`, chunk);
          await tx.run(`DELETE FROM event_chunks WHERE event_id IN (${list})`, chunk);
          await tx.run(`DELETE FROM events WHERE event_id IN (${list})`, chunk);
        }
        const requests = await tx.all<{ reference: string }>(
          'SELECT reference FROM data_requests WHERE created_at < ? ORDER BY created_at LIMIT ?',
          [new Date(beforeMs).toISOString(), limit],
        );
        for (const { reference } of requests)
          await tx.run('DELETE FROM data_requests WHERE reference = ?', [reference]);
        return { events: ids.length, dataRequests: requests.length };
      });
    },
  };
}

interface RequestRow {
  reference: string;
  dev_id: string;
  user_id: string;
  data_type: DataRequest['dataType'];
  start_ms: number | null;
  end_ms: number | null;
  with_samples: number;
  status: DataRequest['status'];
  created_at: string;
}

const toRequest = (row: RequestRow): DataRequest => ({
  reference: row.reference,
  devId: row.dev_id,
  userId: row.user_id,
  dataType: row.data_type,
  startMs: row.start_ms === null ? null : Number(row.start_ms),
  endMs: row.end_ms === null ? null : Number(row.end_ms),
  withSamples: Number(row.with_samples) === 1,
  status: row.status,
  createdAt: row.created_at,
});

/** Reads answered through the webhook (`to_webhook=true`), tracked by their terra-reference. */
export function dataRequestRepo(db: Db): DataRequestRepo {
  return {
    async create(devId, input) {
      const request: DataRequest = { ...input, devId, status: 'accepted', createdAt: new Date().toISOString() };
      await db.run(
        'INSERT INTO data_requests (reference, dev_id, user_id, data_type, start_ms, end_ms, with_samples, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          request.reference,
          devId,
          request.userId,
          request.dataType,
          request.startMs,
          request.endMs,
          request.withSamples ? 1 : 0,
          request.status,
          request.createdAt,
        ],
      );
      return request;
    },
    async get(devId, reference) {
      const row = await db.get<RequestRow>('SELECT * FROM data_requests WHERE dev_id = ? AND reference = ?', [
        devId,
        reference,
      ]);
      return row && toRequest(row);
    },
    async setStatus(devId, reference, status) {
      await db.run('UPDATE data_requests SET status = ? WHERE dev_id = ? AND reference = ?', [
        status,
        devId,
        reference,
      ]);
    },
  };
}
