import type { DestinationDefinition } from '../destination.ts';
import { parseSupabaseConfig, supabaseConfigSchema, type SupabaseConfig } from './supabase-config.ts';
import { openSupabaseDestination, verifySupabaseDestination } from './supabase-destination.ts';

/** `supabase`: Terra's tables in the project database, raw payload files in the `terra-payloads` bucket. */
export const supabaseDestination: DestinationDefinition<SupabaseConfig> = {
  type: 'supabase',
  configSchema: supabaseConfigSchema,
  parseConfig: parseSupabaseConfig,
  secretFields: ['service_role_key', 'database_url'],
  open: (config, services) => openSupabaseDestination(config, services),
  verify: (config, services) => verifySupabaseDestination(config, services),
};
