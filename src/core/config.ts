import { z } from 'zod';
import { TributaryError } from './errors.ts';

/**
 * The one typed configuration schema. Only the composition root (`app.ts`, `cli/`) calls
 * `loadConfig(process.env)`; everything else receives the parsed `Config`.
 * Each key maps to one environment variable; an invalid value stops start-up with a
 * message naming that variable.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const retrySchedule = z
  .string()
  .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, 'a comma-separated list of seconds, e.g. "30,60,120"')
  .transform((s) => s.split(',').map((part) => Number(part.trim())));

/** Default webhook retry schedule: doubling from 30 s, capped at 8 h, 10 tries (Terra's documented policy). */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = Array.from({ length: 10 }, (_, i) => Math.min(30 * 2 ** i, 8 * 3600));

export const ENV = {
  port: 'TRIBUTARY_PORT',
  host: 'TRIBUTARY_HOST',
  dataDir: 'TRIBUTARY_DATA_DIR',
  databaseUrl: 'TRIBUTARY_DATABASE_URL',
  queueUrl: 'TRIBUTARY_QUEUE_URL',
  queuePrefix: 'TRIBUTARY_QUEUE_PREFIX',
  publicUrl: 'TRIBUTARY_PUBLIC_URL',
  encryptionKey: 'TRIBUTARY_ENCRYPTION_KEY',
  bootstrapDevId: 'TRIBUTARY_BOOTSTRAP_DEV_ID',
  bootstrapApiKey: 'TRIBUTARY_BOOTSTRAP_API_KEY',
  logLevel: 'TRIBUTARY_LOG_LEVEL',
  metricsToken: 'TRIBUTARY_METRICS_TOKEN',
  maxBodyBytes: 'TRIBUTARY_MAX_BODY_BYTES',
  maxUploadBytes: 'TRIBUTARY_MAX_UPLOAD_BYTES',
  webhookTimeoutMs: 'TRIBUTARY_WEBHOOK_TIMEOUT_MS',
  webhookRetrySchedule: 'TRIBUTARY_WEBHOOK_RETRY_SCHEDULE',
  allowPrivateDestinations: 'TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS',
  /** The old name of TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS, still read (the new name wins). */
  webhookAllowPrivate: 'TRIBUTARY_WEBHOOK_ALLOW_PRIVATE',
  allowAmbientCredentials: 'TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS',
  destinationDisableAfterSeconds: 'TRIBUTARY_DESTINATION_DISABLE_AFTER_SECONDS',
  destinationConcurrency: 'TRIBUTARY_DESTINATION_CONCURRENCY',
  developerConcurrency: 'TRIBUTARY_DEVELOPER_CONCURRENCY',
  retentionDays: 'TRIBUTARY_RETENTION_DAYS',
  readCopyRetentionHours: 'TRIBUTARY_READ_COPY_RETENTION_HOURS',
  requestTimeoutMs: 'TRIBUTARY_REQUEST_TIMEOUT_MS',
  bodyTimeoutMs: 'TRIBUTARY_BODY_TIMEOUT_MS',
  shutdownTimeoutMs: 'TRIBUTARY_SHUTDOWN_TIMEOUT_MS',
  databaseStatementTimeoutMs: 'TRIBUTARY_DATABASE_STATEMENT_TIMEOUT_MS',
} as const;

const schema = z.object({
  port: port.default(8787),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./.tributary'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded store)')
    .optional(),
  queueUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL (leave it unset for the embedded queue)')
    .optional(),
  /** Redis key prefix of the BullMQ queue, so deployments (or test runs) can share one Redis. */
  queuePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('tributary'),
  publicUrl: z.string().url().optional(),
  encryptionKey: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  bootstrapDevId: z.string().min(1).optional(),
  bootstrapApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Bearer token that GET /metrics requires; unset, /metrics answers loopback clients only. */
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  maxBodyBytes: positiveInt.default(10 * 1024 * 1024),
  maxUploadBytes: positiveInt.default(50 * 1024 * 1024),
  webhookTimeoutMs: positiveInt.default(8000),
  webhookRetrySchedule: retrySchedule.optional(),
  allowPrivateDestinations: bool.optional(),
  webhookAllowPrivate: bool.optional(),
  allowAmbientCredentials: bool.default('false'),
  destinationDisableAfterSeconds: positiveInt.default(5 * 24 * 3600),
  /** Deliveries of one destination queued or in flight at once (the rest wait their turn). */
  destinationConcurrency: positiveInt.default(8),
  /** Deliveries of one developer (all its destinations) queued or in flight at once. */
  developerConcurrency: positiveInt.default(16),
  /** Events, deliveries, attempts and data requests older than this are deleted (the purge job). */
  retentionDays: positiveInt.default(30),
  /** `to_webhook` copies are deleted this long after they were made, once none is pending. */
  readCopyRetentionHours: positiveInt.default(24),
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: positiveInt.default(120_000),
  /** A request body must bring at least 1 KB per this window (a trickled body is cut off with a 408). */
  bodyTimeoutMs: positiveInt.default(10_000),
  /** After SIGTERM: in-flight requests get half of this, then connections are closed and the process exits. */
  shutdownTimeoutMs: positiveInt.default(15_000),
  /** PostgreSQL statement_timeout (and the client's query deadline). */
  databaseStatementTimeoutMs: positiveInt.default(60_000),
});

type Parsed = z.infer<typeof schema>;

export interface Config extends Omit<
  Parsed,
  'webhookRetrySchedule' | 'publicUrl' | 'allowPrivateDestinations' | 'webhookAllowPrivate'
> {
  /** Base for links handed to browsers, without a trailing slash. */
  publicUrl: string;
  /**
   * Destinations may connect to loopback, private, link-local and cloud-internal addresses.
   * TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS (or its old name); unset, true only when the public
   * URL is loopback (a laptop setup), false otherwise.
   */
  allowPrivateDestinations: boolean;
  /** Why `allowPrivateDestinations` has its value, for the start-up line. */
  allowPrivateDestinationsBecause: string;
  webhookRetrySchedule: number[];
  /** `TRIBUTARY_PROVIDER_<NAME>_<KEY>` values, by lower-case provider name then upper-case key. */
  providers: Record<string, Record<string, string>>;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, string> = {};
  for (const [key, variable] of Object.entries(ENV)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0]) as keyof typeof ENV;
    const variable = ENV[key] ?? key;
    throw new TributaryError('config_invalid', `${variable}: ${issue.message} (got ${JSON.stringify(input[key])})`, {
      variable,
    });
  }
  if ((result.data.bootstrapDevId === undefined) !== (result.data.bootstrapApiKey === undefined)) {
    throw new TributaryError(
      'config_invalid',
      `${ENV.bootstrapDevId} and ${ENV.bootstrapApiKey} must be set together`,
      {
        variable: ENV.bootstrapDevId,
      },
    );
  }
  const { allowPrivateDestinations, webhookAllowPrivate, ...parsed } = result.data;
  const publicHost = parsed.host === '0.0.0.0' || parsed.host === '::' ? '127.0.0.1' : parsed.host;
  const privateTargets = privateDestinationsSetting(
    allowPrivateDestinations ?? webhookAllowPrivate,
    parsed.publicUrl ?? `http://${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host}`,
  );
  return {
    ...parsed,
    allowPrivateDestinations: privateTargets.allowed,
    allowPrivateDestinationsBecause: privateTargets.because,
    publicUrl: (parsed.publicUrl ?? `http://${publicHost}:${parsed.port}`).replace(/\/+$/, ''),
    webhookRetrySchedule: parsed.webhookRetrySchedule ?? DEFAULT_RETRY_SCHEDULE_SECONDS,
    providers: providerSettings(env),
  };
}

/**
 * The SSRF default: refused, unless set, or the server is only reachable on loopback (its
 * public URL — or, without one, the address it binds — is loopback: a laptop). Binding
 * 0.0.0.0 without a public URL counts as exposed.
 */
function privateDestinationsSetting(
  explicit: boolean | undefined,
  publicUrl: string,
): { allowed: boolean; because: string } {
  if (explicit !== undefined) return { allowed: explicit, because: `${ENV.allowPrivateDestinations}=${explicit}` };
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return loopback
    ? {
        allowed: true,
        because: `the public URL is loopback (${host}); set ${ENV.allowPrivateDestinations}=false to refuse`,
      }
    : { allowed: false, because: `the default; set ${ENV.allowPrivateDestinations}=true to allow` };
}

function providerSettings(env: Record<string, string | undefined>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [variable, value] of Object.entries(env)) {
    const match = /^TRIBUTARY_PROVIDER_([A-Z0-9]+)_([A-Z0-9_]+)$/.exec(variable);
    if (!match || value === undefined || value === '') continue;
    const provider = match[1].toLowerCase();
    (out[provider] ??= {})[match[2]] = value;
  }
  return out;
}
