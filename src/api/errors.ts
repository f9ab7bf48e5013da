import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TributaryError, type ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** The only place that knows HTTP status codes for domain errors. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  provider_auth_failed: 401,
  provider_error: 502,
  config_invalid: 500,
  internal: 500,
};

/**
 * Terra's error body is `{status: "error", message}` (401: `{message}`); we add a
 * machine-readable `code`, the offending `parameter` where there is one, and the request id.
 */
export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  details: Record<string, unknown> = {},
): Record<string, unknown> {
  return { status: 'error', message, code, ...pickPublic(details), request_id: requestId };
}

function pickPublic(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['parameter', 'provider', 'retry_after_seconds', 'limit_bytes'])
    if (details[key] !== undefined) out[key] = details[key];
  return out;
}

/** Turns anything thrown by a route into a JSON error; internal errors never leak their stack. */
export function errorHandler(logger: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const { status, code, message, details } = classify(error);
    if (status >= 500)
      logger.error('request failed', {
        requestId: request.id,
        method: request.method,
        url: logSafeUrl(request.url),
        error,
      });
    if (status === 429 && typeof details.retry_after_seconds === 'number')
      void reply.header('retry-after', String(details.retry_after_seconds));
    void reply
      .status(status)
      .type('application/json')
      .send(errorBody(code, message, request.id, details));
  };
}

/**
 * The URL as it may be logged: link credentials (hosted-page secrets in the path, upload
 * tokens and link signatures in the query) are masked, so a log line never carries a usable link.
 */
export function logSafeUrl(url: string): string {
  return url
    .replace(/^\/(connect|widget|mcp\/consent)\/[^/?#]+/, '/$1/[redacted]')
    .replace(/([?&](?:token|signature)=)[^&#]*/gi, '$1[redacted]');
}

function classify(error: FastifyError | Error): {
  status: number;
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
} {
  if (error instanceof TributaryError) {
    return { status: STATUS_BY_CODE[error.code], code: error.code, message: error.message, details: error.details };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const parameter = first ? validationParameter(first) : undefined;
    const where = fastifyError.validationContext ?? 'request';
    const message = parameter
      ? `invalid ${where} parameter '${parameter}': ${first?.message ?? 'invalid'}`
      : `invalid ${where}: ${fastifyError.message}`;
    return { status: 400, code: 'bad_request', message, details: parameter ? { parameter } : {} };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: 'request body is too large', details: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: `unsupported content type`, details: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        code: 'bad_request',
        message: 'request body is empty but content-type is application/json',
        details: {},
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 400,
        code: 'bad_request',
        message: 'request body is not valid JSON',
        details: { parameter: 'body' },
      };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      status: fastifyError.statusCode,
      code: fastifyError.statusCode === 404 ? 'not_found' : 'bad_request',
      message: fastifyError.message,
      details: {},
    };
  }
  // PostgreSQL refuses text holding NUL (22021) or a \u0000 escape in JSON (22P05): the input's
  // fault (a NUL in a JSON body; query and path parameters are refused earlier, by name).
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '22021' || sqlState === '22P05') {
    return {
      status: 400,
      code: 'bad_request',
      message: 'the request holds a NUL character (\\u0000), which cannot be stored',
      details: {},
    };
  }
  if (error instanceof SyntaxError)
    return {
      status: 400,
      code: 'bad_request',
      message: 'request body is not valid JSON',
      details: { parameter: 'body' },
    };
  return { status: 500, code: 'internal', message: 'internal error', details: {} };
}

function validationParameter(issue: { instancePath?: string; params?: Record<string, unknown> }): string | undefined {
  const missing = issue.params?.missingProperty;
  if (typeof missing === 'string') return missing;
  const path = issue.instancePath?.replace(/^\//, '').replaceAll('/', '.');
  return path || undefined;
}
