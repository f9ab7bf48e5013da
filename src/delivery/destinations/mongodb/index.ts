import type { DestinationDefinition } from '../destination.ts';
import { parseMongodbConfig, mongodbConfigSchema, type MongodbConfig } from './mongodb-config.ts';
import { openMongoDestination, verifyMongoDestination } from './mongodb-destination.ts';

/** `mongodb`: Terra's collections and `_id`s, upserted by `_id`. */
export const mongodbDestination: DestinationDefinition<MongodbConfig> = {
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
  open: (config, services) => openMongoDestination(config, services),
  verify: (config, services) => verifyMongoDestination(config, services),
};
