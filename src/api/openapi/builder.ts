import { readFileSync } from 'node:fs';
import { terraOpenApiExtract, terraSchemaDocument } from '../../model/schemas.ts';
import { DECLARED_ROUTES } from '../contract/define.ts';
import { operationOf } from '../contract/operation.ts';
import { ZOD_COMPONENTS, zodComponentJsonSchema } from './zod-json-schema.ts';
import { OPENAPI_SCHEMAS, TAG_DESCRIPTIONS } from './registry.ts';
import { ERROR_SCHEMA, ERROR_SCHEMA_NAME, TERRA_TAG_DESCRIPTIONS, terraOperations } from './terra-operations.ts';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  tags: { name: string; description?: string }[];
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
  webhooks: Record<string, unknown>;
};

export interface BuildOptions {
  /** Base URL handed to clients (config.publicUrl). */
  publicUrl: string;
}

let packageVersion: string | undefined;
const cache = new Map<string, OpenApiDocument>();

/**
 * The OpenAPI 3.1 document of Tributary's API: Terra's operations under `/v2`, and every
 * route declared with `defineRoute` (src/api/contract). Components are Terra's
 * schemas (refs `#/components/schemas/<Name>`) plus the declared ones. Built once per
 * public URL and registry size; callers must not mutate the result.
 */
export function buildOpenApiDocument(options: BuildOptions): OpenApiDocument {
  const key = `${options.publicUrl}\u0000${Object.keys(OPENAPI_SCHEMAS).length}\u0000${TAG_DESCRIPTIONS.size}\u0000${DECLARED_ROUTES.length}\u0000${ZOD_COMPONENTS.size}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const document = build(options);
  cache.clear();
  cache.set(key, document);
  return document;
}

function build(options: BuildOptions): OpenApiDocument {
  const extract = terraOpenApiExtract();
  const routes = DECLARED_ROUTES.filter((route) => !route.terra).map(operationOf);
  // The server's own operations (health, this document) lead, as the first group of the docs.
  const operations = [
    ...routes.filter((o) => o.tag === 'Server'),
    ...terraOperations(),
    ...routes.filter((o) => o.tag !== 'Server'),
  ];
  const paths: OpenApiDocument['paths'] = {};
  const tags: OpenApiDocument['tags'] = [];
  for (const { method, path, tag, operation } of operations) {
    paths[path] ??= {};
    if (paths[path][method]) throw new Error(`OpenAPI operation ${method.toUpperCase()} ${path} is documented twice`);
    paths[path][method] = { ...operation, tags: [tag] };
    if (!tags.some((t) => t.name === tag)) tags.push({ name: tag });
  }
  for (const tag of tags) {
    const description =
      TAG_DESCRIPTIONS.get(tag.name) ??
      TERRA_TAG_DESCRIPTIONS[tag.name] ??
      (tag.name === 'Server' ? 'The server itself: health and documentation.' : undefined);
    if (description) tag.description = description;
  }
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const [name, schema] of Object.entries(terraSchemaDocument().$defs))
    schemas[name] = toComponentRefs(schema) as Record<string, unknown>;
  const declared = Object.fromEntries(
    [...ZOD_COMPONENTS].map(([name, schema]) => [name, zodComponentJsonSchema(schema)]),
  );
  for (const [name, schema] of Object.entries({ [ERROR_SCHEMA_NAME]: ERROR_SCHEMA, ...OPENAPI_SCHEMAS, ...declared })) {
    if (schemas[name]) throw new Error(`OpenAPI component schema ${name} collides with an existing schema`);
    schemas[name] = schema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tributary',
      version: version(),
      summary: 'Self-hosted, Terra-compatible wearable and fitness data API',
      description: [
        "Tributary speaks Terra's API: the `/v2` operations, their parameters, bodies and responses follow Terra's published contract",
        `(${extract.source}, data model ${extract.version}), so Terra's SDKs work with only the base URL changed.`,
        'Authenticate with the `dev-id` and `x-api-key` headers (create a developer with `tributary developers create --name NAME`).',
        'Data events delivered to your destinations are described under `webhooks`.',
      ].join(' '),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: options.publicUrl, description: 'This server' }],
    security: [{ DevID: [], ApiKeyAuth: [] }],
    tags,
    paths,
    webhooks: toComponentRefs(extract.webhooks) as Record<string, unknown>,
    components: { schemas, securitySchemes: structuredClone(extract.securitySchemes) },
  };
}

/** Terra's schema document refers to `#/$defs/X`; inside OpenAPI the same schema is `#/components/schemas/X`. */
function toComponentRefs(value: unknown, inMapping = false): unknown {
  if (typeof value === 'string') return inMapping ? value.replace('#/$defs/', '#/components/schemas/') : value;
  if (Array.isArray(value)) return value.map((item) => toComponentRefs(item));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string') out[key] = child.replace('#/$defs/', '#/components/schemas/');
    else out[key] = toComponentRefs(child, inMapping || key === 'mapping');
  }
  return out;
}

function version(): string {
  packageVersion ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return packageVersion;
}
