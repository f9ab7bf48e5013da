import { z } from 'zod';
import { parseWith } from '../sql/event-parts.ts';

export const mongodbConfigSchema = z
  .object({
    uri: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// connection string')
      .describe(
        'connection string with credentials and options, e.g. `mongodb+srv://user:pass@cluster0.example.net/?retryWrites=true` (secret)',
      ),
    database: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[^/\\. "$*<>:|?]+$/, 'must be a MongoDB database name (no /\\. "$*<>:|? characters)')
      .describe('database the collections are created in'),
  })
  .strict();

export type MongodbConfig = z.output<typeof mongodbConfigSchema>;

export function parseMongodbConfig(input: unknown): MongodbConfig {
  return parseWith(mongodbConfigSchema, 'mongodb', input);
}
