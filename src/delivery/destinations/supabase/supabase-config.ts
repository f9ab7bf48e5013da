import { z } from 'zod';
import { parseWith } from '../event-parts.ts';

export const supabaseConfigSchema = z
  .object({
    url: z
      .string()
      .url('must be the project URL, e.g. https://abcd1234.supabase.co')
      .regex(/^https?:\/\//, 'must be an http(s) URL')
      .transform((url) => url.replace(/\/+$/, ''))
      .describe('project URL (`https://<ref>.supabase.co`, or your self-hosted API gateway)'),
    service_role_key: z
      .string()
      .min(20, 'must be the service_role key (a JWT) from Project Settings → API')
      .describe('service_role API key, used for the storage bucket (secret)'),
    database_url: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// connection string (Project Settings → Database)')
      .describe('PostgreSQL connection string of the project database, e.g. the session pooler URL (secret)'),
  })
  .strict();

export type SupabaseConfig = z.output<typeof supabaseConfigSchema>;

export function parseSupabaseConfig(input: unknown): SupabaseConfig {
  return parseWith(supabaseConfigSchema, 'supabase', input);
}
