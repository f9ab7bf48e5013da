import type { DestinationDefinition } from '../destination.ts';
import { parseMongodbConfig, mongodbConfigSchema, type MongodbConfig } from './mongodb-config.ts';
import { openMongoDestination, verifyMongoDestination } from './mongodb-destination.ts';

/** `mongodb`: Terra's collections and `_id`s, upserted by `_id`. */
export const mongodbDestination: DestinationDefinition<MongodbConfig> = {
  type: 'mongodb',
  configSchema: mongodbConfigSchema,
  parseConfig: parseMongodbConfig,
  secretFields: ['uri'],
  open: (config, services) => openMongoDestination(config, services),
  verify: (config, services) => verifyMongoDestination(config, services),
};
