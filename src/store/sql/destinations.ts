import type { SecretBox } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import type { DeliveryMode, DestinationRepo, EventFormat, StoredDestination } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
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

export function destinationRepo(db: Db, box: SecretBox): DestinationRepo {
  const toDestination = (row: Row): StoredDestination => ({
    destinationId: row.destination_id,
    devId: row.dev_id,
    type: row.type,
    config: JSON.parse(row.config) as Record<string, unknown>,
    ...openSecrets(row.secrets_sealed),
    deliveryMode: row.delivery_mode,
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    format: row.format,
    enabled: Number(row.enabled) === 1,
    statusNotice: row.status_notice,
    failingSince: row.failing_since === null ? null : Number(row.failing_since),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  /**
   * One destination whose secrets cannot be opened (sealed under another key, damaged) must
   * not make every listing throw — that stopped dispatch for every tenant. It is returned
   * flagged, without secrets; delivery fails its deliveries alone.
   */
  const openSecrets = (sealed: string | null): { secrets: Record<string, unknown>; secretsUnreadable?: true } => {
    if (!sealed) return { secrets: {} };
    try {
      return { secrets: box.openJson<Record<string, unknown>>(sealed) };
    } catch {
      return { secrets: {}, secretsUnreadable: true };
    }
  };

  const repo: DestinationRepo = {
    async create(devId, input) {
      const now = new Date().toISOString();
      const id = newId('dst');
      await db.run(
        `INSERT INTO destinations (destination_id, dev_id, type, config, secrets_sealed, delivery_mode, event_types, format, enabled, status_notice, failing_since, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, ?, ?)`,
        [
          id,
          devId,
          input.type,
          JSON.stringify(input.config),
          box.sealJson(input.secrets),
          input.deliveryMode,
          input.eventTypes && JSON.stringify(input.eventTypes),
          input.format,
          now,
          now,
        ],
      );
      return (await repo.get(devId, id))!;
    },

    async get(devId, destinationId) {
      const row = await db.get<Row>('SELECT * FROM destinations WHERE dev_id = ? AND destination_id = ?', [
        devId,
        destinationId,
      ]);
      return row && toDestination(row);
    },

    async list(devId) {
      const rows = await db.all<Row>(
        'SELECT * FROM destinations WHERE dev_id = ? ORDER BY created_at, destination_id',
        [devId],
      );
      return rows.map(toDestination);
    },

    async update(devId, destinationId, patch) {
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`);
        params.push(value);
      };
      if (patch.config !== undefined) set('config', JSON.stringify(patch.config));
      if (patch.secrets !== undefined) set('secrets_sealed', box.sealJson(patch.secrets));
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
      await db.run(`UPDATE destinations SET ${sets.join(', ')} WHERE dev_id = ? AND destination_id = ?`, params);
      return repo.get(devId, destinationId);
    },

    async delete(devId, destinationId) {
      const { changes } = await db.run('DELETE FROM destinations WHERE dev_id = ? AND destination_id = ?', [
        devId,
        destinationId,
      ]);
      return changes > 0;
    },

    async markHealthy(devId, destinationId) {
      await db.run(
        'UPDATE destinations SET failing_since = NULL WHERE dev_id = ? AND destination_id = ? AND failing_since IS NOT NULL',
        [devId, destinationId],
      );
    },

    async markFailing(devId, destinationId, now, disableAfterMs) {
      // Two statements, each atomic: a success in between (failing_since reset) simply wins.
      await db.run(
        'UPDATE destinations SET failing_since = ? WHERE dev_id = ? AND destination_id = ? AND failing_since IS NULL',
        [now, devId, destinationId],
      );
      const notice = `disabled at ${new Date(now).toISOString()}: every delivery failed for more than ${Math.round(disableAfterMs / 1000)} s; fix the endpoint, then PATCH {"enabled": true}`;
      const { changes } = await db.run(
        `UPDATE destinations SET enabled = 0, status_notice = ?, updated_at = ?
         WHERE dev_id = ? AND destination_id = ? AND enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ?`,
        [notice, new Date(now).toISOString(), devId, destinationId, now - disableAfterMs],
      );
      return changes > 0;
    },
  };
  return repo;
}
