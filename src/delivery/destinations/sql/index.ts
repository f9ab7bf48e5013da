import type { DestinationDefinition } from '../destination.ts';
import { parseSqlConfig, sqlConfigSchema, type SqlConfig } from './sql-config.ts';
import { openSqlDestination, verifySqlDestination } from './sql-destination.ts';

/** `sql`: PostgreSQL or MySQL/MariaDB, Terra's three tables created on first use. */
export const sqlDestination: DestinationDefinition<SqlConfig> = {
  type: 'sql',
  configSchema: sqlConfigSchema,
  parseConfig: parseSqlConfig,
  secretFields: ['password'],
  summary:
    'tables `terra_users`, `terra_data_payloads` (one row per record), `terra_other_payloads`, created on first use; the full payload as JSON in the row (Tributary has no bucket to point at); upsert by key',
  docs: {
    page: 'docs/destinations/sql.md',
    permissions:
      'PostgreSQL: `CONNECT`, `CREATE` on the schema; MySQL: `CREATE, SELECT, INSERT, UPDATE, DELETE, INDEX`',
    testedAgainst: "this machine's PostgreSQL and MariaDB",
  },
  contractSuite: 'test/destinations/sql.test.ts',
  open: (config, services) => openSqlDestination(config, services),
  verify: (config, services) => verifySqlDestination(config, services),
};
