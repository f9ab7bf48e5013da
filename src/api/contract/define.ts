import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { z } from 'zod';
import type { HttpMethod } from '../openapi/registry.ts';
import { CHECKED_BODIES } from './fields.ts';
import { inputError } from './issues.ts';

/**
 * One declaration per HTTP route. Its zod schemas are the only description of the route's
 * params, query, body and answers: `serve` validates requests with them (a 400 naming the
 * parameter) and types the handler's input, and the OpenAPI document (`/openapi.json`,
 * `docs/openapi.json`) is generated from them (see operation.ts).
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads no JSON body: `content-type: application/json` with an empty body is fine. */
    emptyJsonBody?: boolean;
  }
}

/** A plain JSON Schema (for a `$ref` to a Terra component or a non-JSON media type). */
export type JsonSchema = Record<string, unknown>;

export interface ResponseSpec {
  description: string;
  /** The JSON body (zod) or a JSON Schema; absent for a body-less answer. */
  schema?: z.ZodTypeAny | JsonSchema;
  /** Media type of the body; default `application/json`. */
  contentType?: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/**
 * A `z.object` over string-valued HTTP parameters (path or query), possibly refined or
 * transformed (`.transform`, `withDateRange`): its keys are the documented parameters.
 */
export type ParamsSchema = z.ZodTypeAny;

export interface RouteSpec {
  method: HttpMethod;
  /** Full path in OpenAPI syntax (`/v2/destinations/{id}`), with `/v2` where the route lives under it. */
  path: string;
  tag: string;
  summary: string;
  operationId: string;
  description?: string;
  /** No dev-id / x-api-key (signed links, hosted pages): `security: []` in the document. */
  public?: boolean;
  params?: ParamsSchema;
  query?: ParamsSchema;
  /** The JSON body. */
  body?: z.ZodTypeAny;
  /** Whether a JSON body must be sent (default: true when `body` is declared). */
  bodyRequired?: boolean;
  /** Non-JSON bodies the handler reads itself (uploads), documented only. */
  rawBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  /** Header parameters the handler reads itself, documented only. */
  headers?: { name: string; required: boolean; description: string; schema: JsonSchema }[];
  responses: Record<number, ResponseSpec>;
  /**
   * Documented by Terra's contract (src/model/generated/terra-openapi.json), verbatim: the
   * declaration validates and types the request, and a test checks that it covers every
   * parameter Terra names.
   */
  terra?: boolean;
}

/** A Terra operation: validated and typed from this declaration, documented by Terra's contract. */
export type TerraRouteSpec = Pick<
  RouteSpec,
  'method' | 'path' | 'params' | 'query' | 'body' | 'bodyRequired' | 'public'
>;

type Out<S> = S extends z.ZodTypeAny ? z.output<S> : Record<string, never>;
type BodyOut<S extends RouteSpec> = S['body'] extends z.ZodTypeAny
  ? S['bodyRequired'] extends false
    ? z.output<S['body']> | undefined
    : z.output<S['body']>
  : undefined;

/** What a handler receives: the validated, typed request parts. */
export interface RouteInput<S extends RouteSpec> {
  params: Out<S['params']>;
  query: Out<S['query']>;
  body: BodyOut<S>;
}

type SuccessStatus<S extends RouteSpec> = Extract<keyof S['responses'], 200 | 201 | 202 | 207>;
/** What a handler may answer with: a 2xx body of its declaration, or the reply it sent itself. */
export type RouteAnswer<S extends RouteSpec> = [SuccessStatus<S>] extends [never]
  ? unknown
  : | {
        [K in SuccessStatus<S>]: S['responses'][K]['schema'] extends z.ZodTypeAny
          ? z.input<S['responses'][K]['schema']>
          : unknown;
      }[SuccessStatus<S>]
    | FastifyReply;

export type RouteHandler<S extends RouteSpec> = (
  input: RouteInput<S>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<RouteAnswer<S>>;

/** Every declared route, in declaration order (read by the OpenAPI builder). */
export const DECLARED_ROUTES: RouteSpec[] = [];

/** Declares a route (at module top level, so the document knows it without a server). */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  if (!spec.path.startsWith('/')) throw new Error(`route path must start with '/': ${spec.path}`);
  if (DECLARED_ROUTES.some((r) => r.method === spec.method && r.path === spec.path))
    throw new Error(`route ${spec.method.toUpperCase()} ${spec.path} is declared twice`);
  DECLARED_ROUTES.push(spec);
  return spec;
}

/** Declares a Terra operation (its document is Terra's). */
export function defineTerraRoute<const S extends TerraRouteSpec>(
  spec: S,
): S & { tag: 'Terra'; summary: ''; operationId: ''; responses: Record<never, never>; terra: true } {
  return defineRoute({ ...spec, tag: 'Terra', summary: '', operationId: '', responses: {}, terra: true } as const);
}

/** Fastify's syntax of a declared path (`{id}` → `:id`), relative to the instance's prefix. */
export function fastifyUrl(app: FastifyInstance, path: string): string {
  const prefix = app.prefix ?? '';
  if (!path.startsWith(prefix)) throw new Error(`route ${path} is declared outside the prefix ${prefix}`);
  return path.slice(prefix.length).replace(/\{(\w+)\}/g, ':$1') || '/';
}

/**
 * Fastify options a route may add: hooks that run before its input is parsed (`onRequest`:
 * before the body is read, e.g. a bearer check; `preHandler`: after), and its own body limit.
 */
export type ServeOptions = Pick<RouteShorthandOptions, 'onRequest' | 'preHandler' | 'bodyLimit'> & {
  /**
   * Whether an empty body sent as `application/json` reads as no body. Default: true when the
   * route declares no JSON body (or an optional one); false for a route whose handler reads a
   * JSON `rawBody` itself and answers an empty one in its own words (the MCP transport).
   */
  emptyJsonBody?: boolean;
};

/** Serves a declared route on `app`: validates params, query and body, then calls the handler. */
export function serve<const S extends RouteSpec>(
  app: FastifyInstance,
  spec: S,
  handler: RouteHandler<S>,
  { emptyJsonBody = !spec.body || spec.bodyRequired === false, ...options }: ServeOptions = {},
): void {
  app.route({
    ...options,
    method: spec.method.toUpperCase(),
    url: fastifyUrl(app, spec.path),
    config: {
      ...(spec.public ? { public: true } : {}),
      ...(emptyJsonBody ? { emptyJsonBody: true } : {}),
    },
    handler: async (request, reply) => handler(parseInput(spec, request), request, reply),
  });
}

function parseInput<S extends RouteSpec>(spec: S, request: FastifyRequest): RouteInput<S> {
  const params = parsePart(spec.params, request.params ?? {}, 'path');
  const query = parsePart(spec.query, request.query ?? {}, 'query');
  let body: unknown = undefined;
  if (spec.body) {
    if (request.body === undefined && !CHECKED_BODIES.has(spec.body)) {
      if (spec.bodyRequired !== false) throw inputError('body', [], 'missing');
    } else body = parsePart(spec.body, request.body, 'body');
  }
  return { params, query, body } as RouteInput<S>;
}

function parsePart(schema: z.ZodTypeAny | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw inputError(where, result.error.issues);
}
