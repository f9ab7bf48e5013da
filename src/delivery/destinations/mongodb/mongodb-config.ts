import { z } from 'zod';
import { parseWith } from '../event-parts.ts';

export const mongodbConfigSchema = z
  .object({
    uri: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// connection string')
      .superRefine((uri, context) => {
        const problem = uriOptionProblem(uri);
        if (problem) context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      })
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

/**
 * Connection-string options a tenant may set: what reaching and writing to its own server
 * needs. Everything else is refused, above all what would lend the operator's identity or
 * files: `authMechanism=MONGODB-OIDC` with `ENVIRONMENT:k8s|azure|gcp` sends the host's
 * workload token, `MONGODB-AWS` signs with the host's AWS role, `GSSAPI` uses its Kerberos
 * tickets, `tlsCAFile`/`tlsCertificateKeyFile` read local files, `proxyHost` routes elsewhere.
 */
const ALLOWED_URI_OPTIONS = new Set(
  [
    'appName',
    'authMechanism',
    'authSource',
    'compressors',
    'connectTimeoutMS',
    'directConnection',
    'heartbeatFrequencyMS',
    'journal',
    'loadBalanced',
    'localThresholdMS',
    'maxIdleTimeMS',
    'maxPoolSize',
    'minPoolSize',
    'readConcernLevel',
    'readPreference',
    'readPreferenceTags',
    'replicaSet',
    'retryReads',
    'retryWrites',
    'serverSelectionTimeoutMS',
    'socketTimeoutMS',
    'srvMaxHosts',
    'srvServiceName',
    'ssl',
    'tls',
    'tlsAllowInvalidCertificates',
    'tlsAllowInvalidHostnames',
    'tlsInsecure',
    'w',
    'waitQueueTimeoutMS',
    'wtimeoutMS',
    'zlibCompressionLevel',
  ].map((name) => name.toLowerCase()),
);

/** Password mechanisms: the tenant's own user name and password, nothing of the host's. */
const ALLOWED_AUTH_MECHANISMS = new Set(['SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN', 'DEFAULT']);

/** Why the connection string's options are refused, or undefined when they are fine. */
export function uriOptionProblem(uri: string): string | undefined {
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '';
  for (const [name, value] of new URLSearchParams(query)) {
    if (!ALLOWED_URI_OPTIONS.has(name.toLowerCase()))
      return `the connection-string option ${name} is not allowed (allowed: ${[...ALLOWED_URI_OPTIONS].join(', ')})`;
    if (name.toLowerCase() === 'authmechanism' && !ALLOWED_AUTH_MECHANISMS.has(value.toUpperCase()))
      return `authMechanism=${value} is not allowed: use a user name and password (${[...ALLOWED_AUTH_MECHANISMS].filter((m) => m !== 'DEFAULT').join(', ')})`;
  }
  return undefined;
}

export type MongodbConfig = z.output<typeof mongodbConfigSchema>;

export function parseMongodbConfig(input: unknown): MongodbConfig {
  return parseWith(mongodbConfigSchema, 'mongodb', input);
}
