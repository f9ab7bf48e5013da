import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * Structured logs: one JSON line per entry on stderr, through pino — the logger Fastify
 * itself uses, so request lines carry the request id (`reqId`) and share this format:
 *
 *   {"level":"info","time":"2026-…Z","pid":1234,"component":"delivery","msg":"…",…}
 *
 * This module keeps the project's call style (`logger.warn(message, fields)`) over pino's
 * (`fields, message`) and serializes `Error` values under any key. Credentials never reach a
 * line: the paths in `REDACTED` are censored wherever they appear.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** The pino instance underneath, handed to Fastify (`loggerInstance`). */
  readonly pino: PinoLogger;
}

/** Header and field names whose values are credentials: censored at the top level and one level down. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  '"set-cookie"',
  '"x-api-key"',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
];
export const REDACTED = [
  ...SECRET_KEYS.map((key) => (key.startsWith('"') ? `[${key}]` : key)),
  ...SECRET_KEYS.map((key) => (key.startsWith('"') ? `*[${key}]` : `*.${key}`)),
  ...SECRET_KEYS.map((key) => (key.startsWith('"') ? `*.headers[${key}]` : `*.headers.${key}`)),
];

export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination: DestinationStream = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 2, sync: true });
  const instance = pino(
    {
      level,
      base: { pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
  return wrap(instance);
}

function wrap(instance: PinoLogger): Logger {
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (!instance.isLevelEnabled(at)) return;
      instance[at](serializeErrors(fields), message);
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => wrap(instance.child(fields)),
    pino: instance,
  };
}

function serializeErrors(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}
