import { hashApiKey, safeEqualHex } from '../../core/crypto.ts';
import { newId, newSecret } from '../../core/ids.ts';
import type { Developer, DeveloperRepo } from '../store.ts';
import type { Db } from './db.ts';

interface Row {
  dev_id: string;
  name: string;
  api_key_hash: string;
  enabled_providers: string | null;
  created_at: string;
}

const toDeveloper = (row: Row): Developer => ({
  devId: row.dev_id,
  name: row.name,
  enabledProviders: row.enabled_providers === null ? null : (JSON.parse(row.enabled_providers) as string[]),
  createdAt: row.created_at,
});

export function developerRepo(db: Db): DeveloperRepo {
  return {
    async create({ name, devId, apiKey }) {
      const id = devId ?? newId('dev').slice(0, 28);
      const key = apiKey ?? newSecret(32);
      const createdAt = new Date().toISOString();
      await db.run(
        'INSERT INTO developers (dev_id, name, api_key_hash, enabled_providers, created_at) VALUES (?, ?, ?, NULL, ?)',
        [id, name, hashApiKey(key), createdAt],
      );
      return { developer: { devId: id, name, enabledProviders: null, createdAt }, apiKey: key };
    },
    async get(devId) {
      const row = await db.get<Row>('SELECT * FROM developers WHERE dev_id = ?', [devId]);
      return row && toDeveloper(row);
    },
    async list() {
      return (await db.all<Row>('SELECT * FROM developers ORDER BY created_at, dev_id')).map(toDeveloper);
    },
    async authenticate(devId, apiKey) {
      const row = await db.get<Row>('SELECT * FROM developers WHERE dev_id = ?', [devId]);
      if (!row || !safeEqualHex(row.api_key_hash, hashApiKey(apiKey))) return undefined;
      return toDeveloper(row);
    },
    async setEnabledProviders(devId, providers) {
      await db.run('UPDATE developers SET enabled_providers = ? WHERE dev_id = ?', [
        providers === null ? null : JSON.stringify(providers),
        devId,
      ]);
    },
  };
}
