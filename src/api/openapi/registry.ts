/**
 * The operation registry behind `GET /openapi.json` and `GET /docs`.
 *
 * Terra's 25 `/v2` operations are registered from the contract (terra-operations.ts).
 * A feature that adds HTTP routes (destinations, deliveries, files, SDK endpoints, hosted
 * pages…) documents them by calling `registerOperations` at the top level of its route
 * module, next to the routes themselves:
 *
 *   registerOperations({
 *     method: 'get', path: '/v2/destinations', tag: 'Destinations',
 *     operation: { summary: 'List destinations', operationId: 'Destinations_List',
 *       responses: { '200': { description: 'The destinations', content: { 'application/json':
 *         { schema: { type: 'array', items: { $ref: '#/components/schemas/Destination' } } } } } } },
 *   });
 *   registerSchemas({ Destination: { type: 'object', properties: { … } } });
 *
 * Paths are full (with `/v2` where the route lives under it); `{param}` segments use
 * OpenAPI syntax. Operations under `/v2` are authenticated with `dev-id` + `x-api-key`
 * unless they set `security: []`. Refs to Terra's schemas use `#/components/schemas/<Name>`
 * (every schema of src/model/generated/terra-schemas.json is a component). Registering the
 * same method + path twice throws, so two modules cannot silently document one route.
 */
export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';

export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** An OpenAPI 3.1 Operation Object (kept loose: it is serialized as-is). */
export type OperationObject = Record<string, unknown> & {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  parameters?: Record<string, unknown>[];
  requestBody?: Record<string, unknown>;
  responses: Record<string, Record<string, unknown>>;
  security?: Record<string, string[]>[];
};

export interface RegisteredOperation {
  method: HttpMethod;
  /** Full path, e.g. `/v2/activity` or `/health`. */
  path: string;
  /** Group in the docs page and the document's `tags`. */
  tag: string;
  operation: OperationObject;
}

/** Tag descriptions shown in the docs; features may add theirs. */
export const TAG_DESCRIPTIONS = new Map<string, string>();

/** Every documented operation, in registration order. */
export const OPENAPI_OPERATIONS: RegisteredOperation[] = [];

/** Extra component schemas contributed by features (Terra's come from the generated model). */
export const OPENAPI_SCHEMAS: Record<string, Record<string, unknown>> = {};

export function registerOperations(...operations: RegisteredOperation[]): void {
  for (const entry of operations) {
    if (!entry.path.startsWith('/')) throw new Error(`OpenAPI path must start with '/': ${entry.path}`);
    if (OPENAPI_OPERATIONS.some((o) => o.method === entry.method && o.path === entry.path)) {
      throw new Error(`OpenAPI operation ${entry.method.toUpperCase()} ${entry.path} is registered twice`);
    }
    OPENAPI_OPERATIONS.push(entry);
  }
}

export function registerSchemas(schemas: Record<string, Record<string, unknown>>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (OPENAPI_SCHEMAS[name]) throw new Error(`OpenAPI component schema ${name} is registered twice`);
    OPENAPI_SCHEMAS[name] = schema;
  }
}

export function describeTag(tag: string, description: string): void {
  TAG_DESCRIPTIONS.set(tag, description);
}
