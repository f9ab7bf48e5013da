import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseMongodbConfig, mongodbConfigSchema, type MongodbConfig } from './mongodb-config.ts';

/** `mongodb`: Terra's collections and `_id`s, upserted by `_id`. */
const description: DestinationDescription<MongodbConfig> = {
  type: 'mongodb',
  configSchema: mongodbConfigSchema,
  parseConfig: parseMongodbConfig,
  secretFields: ['uri'],
  summary:
    "collections per data type (`_id: {user_id, start_time}`), `athlete` (`_id: user_id`), `user_events`; Terra's indexes; replace-by-`_id` upserts",
  docs: {
    page: 'docs/destinations/mongodb.md',
    permissions: '`readWrite` on the database',
    testedAgainst: 'mongodb-mock-server: the exact commands the driver sends (no MongoDB server can run here)',
  },
  contractSuite: 'test/destinations/mongodb.test.ts',
};

/** The driver (mongodb-destination.ts) is imported on first use, not with the registry. */
export const mongodbDestination: DestinationDefinition<MongodbConfig> = lazyDestination(description, () =>
  import('./mongodb-destination.ts').then((module) => ({
    open: module.openMongoDestination,
    verify: module.verifyMongoDestination,
  })),
);
