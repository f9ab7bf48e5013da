import type { SecretBox } from '../../core/crypto.ts';
import { MIGRATIONS } from '../migrations/index.ts';
import type { Store } from '../store.ts';
import { apiKeyRepo } from './api-keys.ts';
import { connectionRepo } from './connections.ts';
import { migrate, type Db } from './db.ts';
import { deliveryRepo } from './deliveries.ts';
import { destinationRepo } from './destinations.ts';
import { developerRepo } from './developers.ts';
import { dataRequestRepo, eventRepo } from './events.ts';
import { jobRepo } from './jobs.ts';
import { rawRecordRepo, recordRepo } from './records.ts';
import { userRepo } from './users.ts';

/** Builds the Store over a driver. Both engines share every repository; only `Db` differs. */
export function sqlStore(db: Db, box: SecretBox): Store {
  const developers = developerRepo(db);
  return {
    engine: db.dialect,
    developers,
    apiKeys: apiKeyRepo(db, () => developers),
    users: userRepo(db),
    connections: connectionRepo(db, box),
    raw: rawRecordRepo(db),
    records: recordRepo(db),
    events: eventRepo(db),
    dataRequests: dataRequestRepo(db),
    destinations: destinationRepo(db, box),
    deliveries: deliveryRepo(db),
    jobs: jobRepo(db),
    transaction: (fn) => db.transaction((tx) => fn(sqlStore(tx, box))),
    close: () => db.close(),
    db,
  } as Store & { db: Db };
}

/** Opens a store over `db`, applying pending migrations first. */
export async function openSqlStore(db: Db, box: SecretBox): Promise<Store> {
  await migrate(db, MIGRATIONS);
  return sqlStore(db, box);
}

/** The driver under a store, for engine-specific tooling (tests, migrations, queues on the same database). */
export function dbOf(store: Store): Db {
  return (store as Store & { db: Db }).db;
}
