/**
 * One error catalogue for the whole code base. Lower layers throw a TributaryError with a
 * code from this closed union; only `api/` maps codes to HTTP status (see api/errors.ts).
 */
export type ErrorCode =
  | 'bad_request' // a parameter or body is invalid; `details.parameter` names it
  | 'unauthorized' // missing or wrong dev-id / x-api-key
  | 'forbidden'
  | 'not_found' // unknown user, record or route (also another developer's user)
  | 'method_not_allowed' // the path exists, not with this method (405 with Allow)
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'gone' // a single-use or expired link
  | 'provider_error' // the provider answered with an error we cannot recover from
  | 'provider_auth_failed' // wrong credentials at the provider
  | 'rate_limited'
  | 'config_invalid'
  | 'internal';

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TributaryError';
    this.code = code;
    this.details = details;
  }
}

/** A 400 that names the offending parameter, in Terra's words. */
export function badParameter(parameter: string, message: string): TributaryError {
  return new TributaryError('bad_request', message, { parameter });
}

export function notFound(message: string): TributaryError {
  return new TributaryError('not_found', message);
}

export function isTributaryError(error: unknown): error is TributaryError {
  return error instanceof TributaryError;
}
