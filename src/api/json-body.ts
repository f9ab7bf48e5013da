import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TributaryError } from '../core/errors.ts';

/**
 * The deepest nesting of arrays and objects a JSON body may have. Terra's deepest payload
 * is under 10 levels; every walker of a parsed body (NUL check, schemas) recurses, and a
 * body of 100,000 `[` would overflow the stack in them (a 500 and a stack trace per request).
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests deeper than `max` (a linear scan that skips strings). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function tooDeepError(): TributaryError {
  return new TributaryError('bad_request', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, {
    parameter: 'body',
  });
}

/**
 * Replaces the JSON parser of `app` (and its children) by Fastify's own (prototype-poisoning
 * checks included) behind the depth check.
 */
export function useDepthCheckedJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonTooDeep(text)) return done(tooDeepError());
      // Many clients send `content-type: application/json` on every POST, with no body on
      // routes that take none (/test, /redeliver): that is no body, not a bad one.
      if (text.trim() === '' && request.routeOptions.config.emptyJsonBody) return done(null, undefined);
      void parse(request, text, done);
    },
  );
}
