import type { DestinationDefinition } from '../destination.ts';
import { parseSqlConfig, sqlConfigSchema, type SqlConfig } from './sql-config.ts';
import { openSqlDestination, verifySqlDestination } from './sql-destination.ts';

/** `sql`: PostgreSQL or MySQL/MariaDB, Terra's three tables created on first use. */
export const sqlDestination: DestinationDefinition<SqlConfig> = {
  type: 'sql',
  configSchema: sqlConfigSchema,
  parseConfig: parseSqlConfig,
  secretFields: ['password'],
  open: (config, services) => openSqlDestination(config, services),
  verify: (config, services) => verifySqlDestination(config, services),
};
