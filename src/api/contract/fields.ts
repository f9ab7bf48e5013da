import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import { withJsonSchema, zodInputJsonSchema } from '../openapi/zod-json-schema.ts';
import { parseBoolParam, parseDateParam, parseRange, requireParam, type DateRange } from '../params.ts';

/**
 * Fields of HTTP path and query parameters. A query value arrives as text (or a list when
 * repeated), so each field parses text itself and answers in Terra's words, naming the
 * parameter (the key it sits under). Each carries the JSON Schema that documents it.
 */

type Field<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

/** A field that parses with `parse(value, name)`; a TributaryError it throws becomes the 400's message. */
export function httpField<T>(
  schema: Record<string, unknown>,
  parse: (value: unknown, name: string) => T,
  options: { optional?: boolean } = {},
): Field<T> {
  const field = z.unknown().transform((value, ctx) => {
    try {
      return parse(value, String(ctx.path.at(-1) ?? 'value'));
    } catch (error) {
      if (!(error instanceof TributaryError)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: error.message });
      return z.NEVER;
    }
  });
  return withJsonSchema(field, schema, options);
}

const described = (schema: Record<string, unknown>, description?: string) =>
  description ? { ...schema, description } : schema;

/** Required text, given once and not blank. */
export const requiredText = (description?: string): Field<string> =>
  httpField(described({ type: 'string' }, description), (value, name) => requireParam(name, value));

/** Optional text: absent or empty is `undefined`; given twice is a 400. */
export const optionalText = (description?: string, maxLength?: number): Field<string | undefined> =>
  httpField(
    described({ type: 'string', ...(maxLength ? { maxLength } : {}) }, description),
    (value, name) => {
      if (value === undefined || value === '') return undefined;
      if (typeof value !== 'string') throw badField(name, `${name} must be given once, as a string`);
      if (maxLength !== undefined && value.length > maxLength) throw badField(name, `${name} is too long`);
      return value;
    },
    { optional: true },
  );

/** One of `values` (absent or empty: `undefined`). */
export const optionalChoice = <const V extends string>(
  values: readonly V[],
  description?: string,
): Field<V | undefined> =>
  httpField(
    described({ type: 'string', enum: [...values] }, description),
    (value, name) => {
      if (value === undefined || value === '') return undefined;
      if (!values.includes(value as V)) throw badField(name, `${name} must be one of ${values.join(', ')}`);
      return value as V;
    },
    { optional: true },
  );

/** An integer in [min, max]; `fallback` when absent or empty. */
export const integerParam = (min: number, max: number, fallback: number, description?: string): Field<number> =>
  httpField(
    described({ type: 'integer', minimum: min, maximum: max, default: fallback }, description),
    (value, name) => {
      if (value === undefined || value === '') return fallback;
      const text = typeof value === 'string' ? value.trim() : String(value);
      const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isInteger(n) || n < min || n > max)
        throw badField(name, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
      return n;
    },
    { optional: true },
  );

/** `true/false/True/False/1/0`; `fallback` when absent or empty. */
export const booleanParam = (fallback: boolean, description?: string): Field<boolean> =>
  httpField(
    described({ type: 'boolean', default: fallback }, description),
    (value, name) => parseBoolParam(name, value, fallback),
    { optional: true },
  );

const DATE_SCHEMA = {
  anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }, { type: 'integer' }],
};

/** A date (ISO 8601 day or date-time, or unix seconds) as epoch ms; `role` says where a bare day lands. */
export const dateParam = (role: 'start' | 'end', description?: string): Field<number> =>
  httpField(described(DATE_SCHEMA, description), (value, name) =>
    parseDateParam(name, requireParam(name, value), role),
  );

/** A date kept as text once checked (for a range read with `withDateRange`); optional unless `required`. */
export const dateText = (required: boolean, description?: string): Field<string | undefined> =>
  httpField(
    described(DATE_SCHEMA, description),
    (value, name) => {
      if (!required && (value === undefined || value === '')) return undefined;
      const text = requireParam(name, value);
      parseDateParam(name, text, 'start');
      return text;
    },
    { optional: !required },
  );

/**
 * The range of a query with `start_date` (and optional `end_date`) as `dateText` fields:
 * end_date defaults to now (or the end of a future start day), and may not come before
 * start_date (a 400 on end_date). Adds `range` to the parsed query.
 */
export function withDateRange<S extends z.ZodObject<z.ZodRawShape>>(schema: S) {
  return schema.transform((query, ctx): z.output<S> & { range: DateRange } => {
    try {
      return { ...query, range: parseRange(query) };
    } catch (error) {
      if (!(error instanceof TributaryError)) throw error;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: error.message,
        path: [String(error.details.parameter ?? 'end_date')],
      });
      return z.NEVER;
    }
  });
}

/**
 * A value (a JSON body, mostly) whose shape is `shape` and whose 400s are written by `check`,
 * word for word as the route has always answered them: `check` throws a TributaryError naming
 * the parameter (`body`, `data[3].metadata.start_time`…) and returns the value to parse (it may
 * replace a missing body by its default). `shape` then parses what passed: it gives the
 * handler's type and the documented schema. A checked body also decides what no body at all
 * means (`check(undefined)`), instead of the generic "a JSON body is required".
 */
export function checked<S extends z.ZodTypeAny>(
  shape: S,
  check: (value: unknown) => unknown,
): z.ZodType<z.output<S>, z.ZodTypeDef, unknown> {
  const field = z.unknown().transform((value, ctx): z.output<S> => {
    let candidate: unknown;
    try {
      candidate = check(value);
    } catch (error) {
      if (!(error instanceof TributaryError)) throw error;
      const parameter = error.details.parameter;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: error.message,
        ...(typeof parameter === 'string' && parameter !== 'body' ? { path: [parameter] } : {}),
      });
      return z.NEVER;
    }
    const parsed = shape.safeParse(candidate);
    if (parsed.success) return parsed.data as z.output<S>;
    for (const issue of parsed.error.issues) ctx.addIssue(issue);
    return z.NEVER;
  });
  CHECKED_BODIES.add(field);
  return withJsonSchema(field, zodInputJsonSchema(shape));
}

/** Bodies made with `checked`: they are parsed even when the request has none. */
export const CHECKED_BODIES = new WeakSet<z.ZodTypeAny>();

function badField(name: string, message: string): TributaryError {
  return new TributaryError('bad_request', message, { parameter: name });
}
