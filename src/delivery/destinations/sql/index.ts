import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseSqlConfig, sqlConfigSchema, type SqlConfig } from './sql-config.ts';

/** `sql`: PostgreSQL or MySQL/MariaDB, Terra's three tables created on first use. */
const description: DestinationDescription<SqlConfig> = {
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
};

/** The driver (sql-destination.ts) is imported on first use, not with the registry. */
export const sqlDestination: DestinationDefinition<SqlConfig> = lazyDestination(description, () =>
  import('./sql-destination.ts').then((module) => ({
    open: module.openSqlDestination,
    verify: module.verifySqlDestination,
  })),
);
