import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseSupabaseConfig, supabaseConfigSchema, type SupabaseConfig } from './supabase-config.ts';

/** `supabase`: Terra's tables in the project database, raw payload files in the `terra-payloads` bucket. */
const description: DestinationDescription<SupabaseConfig> = {
  type: 'supabase',
  configSchema: supabaseConfigSchema,
  parseConfig: parseSupabaseConfig,
  secretFields: ['service_role_key', 'database_url'],
  summary:
    'the `sql` tables (timestamptz, cascading from `terra_users`) in the project database + each payload as a file in bucket `terra-payloads`, named by `payload_id`',
  docs: {
    page: 'docs/destinations/supabase.md',
    permissions: 'service_role key; a database role that may create in `public`',
    testedAgainst: 'PostgreSQL + a recorded Storage API stub',
  },
  contractSuite: 'test/destinations/supabase.test.ts',
};

/** The driver (supabase-destination.ts) is imported on first use, not with the registry. */
export const supabaseDestination: DestinationDefinition<SupabaseConfig> = lazyDestination(description, () =>
  import('./supabase-destination.ts').then((module) => ({
    open: module.openSupabaseDestination,
    verify: module.verifySupabaseDestination,
  })),
);
