import { newId } from '../../core/ids.ts';
import type { Developer, DeveloperRepo } from '../store.ts';
import { apiKeyRepo } from './api-keys.ts';
import type { Db } from './db.ts';

interface Row {
  dev_id: string;
  name: string;
  enabled_providers: string | null;
  created_at: string;
}

const toDeveloper = (row: Row): Developer => ({
  devId: row.dev_id,
  name: row.name,
  enabledProviders: row.enabled_providers === null ? null : (JSON.parse(row.enabled_providers) as string[]),
  createdAt: row.created_at,
});

/** Developers; their API keys live in `api_keys` (the legacy `api_key_hash` column stays empty). */
export function developerRepo(db: Db): DeveloperRepo {
  const repo: DeveloperRepo = {
    async create({ name, devId, apiKey }) {
      const id = devId ?? newId('dev').slice(0, 28);
      const createdAt = new Date().toISOString();
      return db.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO developers (dev_id, name, api_key_hash, enabled_providers, created_at) VALUES (?, ?, '', NULL, ?)",
          [id, name, createdAt],
        );
        const { secret } = await apiKeyRepo(tx, () => repo).create(id, { name: 'default', secret: apiKey });
        return { developer: { devId: id, name, enabledProviders: null, createdAt }, apiKey: secret };
      });
    },
    async get(devId) {
      const row = await db.get<Row>('SELECT * FROM developers WHERE dev_id = ?', [devId]);
      return row && toDeveloper(row);
    },
    async list() {
      return (await db.all<Row>('SELECT * FROM developers ORDER BY created_at, dev_id')).map(toDeveloper);
    },
    async authenticate(devId, apiKey) {
      return (await apiKeyRepo(db, () => repo).authenticate(devId, apiKey))?.developer;
    },
    async setEnabledProviders(devId, providers) {
      await db.run('UPDATE developers SET enabled_providers = ? WHERE dev_id = ?', [
        providers === null ? null : JSON.stringify(providers),
        devId,
      ]);
    },
  };
  return repo;
}
