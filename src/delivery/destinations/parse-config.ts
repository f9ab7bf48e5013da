import type { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';

/**
 * Parses a destination `config` with its zod schema; the first problem becomes a
 * `bad_request` naming the field as `config.<path>` (what `POST /v2/destinations` answers).
 */
export function parseDestinationConfig<Schema extends z.ZodTypeAny>(
  type: string,
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? `config.${issue.path.join('.')}` : 'config';
  const message = issue ? issue.message : 'invalid';
  throw new TributaryError('bad_request', `invalid ${type} destination ${path}: ${message}`, { parameter: path });
}

/** A `bad_request` for a config that parsed but failed its real connection check. */
export function verifyFailed(type: string, reason: string, cause?: unknown, parameter = 'config'): TributaryError {
  return new TributaryError('bad_request', `${type} destination check failed: ${reason}`, { parameter }, { cause });
}

/** A short, single-line reason from anything thrown by a client library. */
export function errorReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorReason(error.errors[0]);
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    const code = (error as { code?: unknown }).code;
    const message = error.message || (typeof code === 'string' ? code : 'unknown error');
    return `${name}${message}`.replace(/\s+/g, ' ').trim().slice(0, 500);
  }
  return String(error).slice(0, 500);
}
