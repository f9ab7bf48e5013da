/**
 * What the OpenAPI document gathers besides the route declarations (src/api/contract):
 * tag descriptions, and component schemas given as JSON Schema by code that generates them
 * (the Apple Health batch from its zod 4 schema, the destination configs from the registry).
 * Operations are never registered by hand: each route is declared once with `defineRoute`
 * and its operation is read from that declaration.
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

/** Extra component schemas contributed by features (Terra's come from the generated model). */
export const OPENAPI_SCHEMAS: Record<string, Record<string, unknown>> = {};

export function registerSchemas(schemas: Record<string, Record<string, unknown>>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (OPENAPI_SCHEMAS[name]) throw new Error(`OpenAPI component schema ${name} is registered twice`);
    OPENAPI_SCHEMAS[name] = schema;
  }
}

export function describeTag(tag: string, description: string): void {
  TAG_DESCRIPTIONS.set(tag, description);
}
