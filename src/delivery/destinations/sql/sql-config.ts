import { z } from 'zod';
import { parseWith } from '../event-parts.ts';

/** `ssl`: true for TLS with the system CAs, or the details of a private CA / self-signed server. */
export const sslSchema = z.union([
  z.boolean(),
  z
    .object({
      ca: z.string().min(1).optional().describe('PEM of the CA that signed the server certificate'),
      reject_unauthorized: z.boolean().optional().describe('false accepts any certificate (not recommended)'),
    })
    .strict(),
]);

export const identifierSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    'must be a plain SQL identifier (letters, digits, underscore; at most 63 characters)',
  );

export const sqlConfigSchema = z
  .object({
    scheme: z.enum(['postgres', 'mysql']).describe('`postgres` (PostgreSQL) or `mysql` (MySQL or MariaDB)'),
    host: z.string().min(1).describe('database server host name or IP'),
    port: z.number().int().min(1).max(65535).optional().describe('defaults to 5432 (postgres) or 3306 (mysql)'),
    database: z.string().min(1).max(64).describe('database to write into (must exist)'),
    username: z.string().min(1).describe('database user'),
    password: z.string().default('').describe('password of that user (secret)'),
    schema: identifierSchema
      .optional()
      .describe(
        "postgres only: schema for the tables, created when missing; default: the user's search_path (usually `public`)",
      ),
    ssl: sslSchema.optional().describe('TLS to the server: `true`, or `{ca, reject_unauthorized}`'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.scheme === 'mysql' && config.schema !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['schema'],
        message: 'applies to postgres only: in MySQL the database is the schema',
      });
    }
  });

export type SqlConfig = z.output<typeof sqlConfigSchema>;

export function parseSqlConfig(input: unknown): SqlConfig {
  return parseWith(sqlConfigSchema, 'sql', input);
}

export function defaultPort(scheme: SqlConfig['scheme']): number {
  return scheme === 'postgres' ? 5432 : 3306;
}
