import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteModule } from '../../src/api/context.ts';
import { buildServer } from '../../src/api/server.ts';
import { defineRoute, json, schemaRef, serve } from '../../src/api/contract/index.ts';
import { registerSchemas, servedRoutes } from '../../src/api/openapi/index.ts';
import { TERRA_SCHEMA_NAMES } from '../../src/model/generated/terra-types.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { DESTINATION_DEFINITIONS, destinationTypes } from '../../src/delivery/destinations/registry.ts';
import { destinationDocsPath } from '../../src/api/routes/destinations.ts';

/** The 25 operations of terra-contract.md §1.2, written out independently of the generated files. */
const TERRA_OPERATIONS: [string, string][] = [
  ['post', '/v2/auth/authenticateUser'],
  ['post', '/v2/auth/generateWidgetSession'],
  ['delete', '/v2/auth/deauthenticateUser'],
  ['post', '/v2/auth/generateAuthToken'],
  ['patch', '/v2/users/{user_id}'],
  ['get', '/v2/userInfo'],
  ['get', '/v2/subscriptions'],
  ['post', '/v2/bulkUserInfo'],
  ['get', '/v2/activity'],
  ['post', '/v2/activity'],
  ['get', '/v2/athlete'],
  ['get', '/v2/body'],
  ['post', '/v2/body'],
  ['delete', '/v2/body'],
  ['get', '/v2/daily'],
  ['get', '/v2/menstruation'],
  ['get', '/v2/nutrition'],
  ['post', '/v2/nutrition'],
  ['delete', '/v2/nutrition'],
  ['get', '/v2/sleep'],
  ['get', '/v2/plannedWorkout'],
  ['post', '/v2/plannedWorkout'],
  ['delete', '/v2/plannedWorkout'],
  ['get', '/v2/integrations'],
  ['get', '/v2/integrations/detailed'],
];

type Doc = {
  openapi: string;
  tags: { name: string }[];
  servers: { url: string }[];
  security: Record<string, string[]>[];
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        parameters?: { name: string; in: string; required?: boolean }[];
        responses: Record<string, unknown>;
        tags: string[];
      }
    >
  >;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, { type: string; in: string; name: string }>;
  };
  webhooks: Record<string, unknown>;
};

let t: TestApp;
beforeAll(async () => {
  // A feature declaring its own route, as destinations/deliveries/files do (not served here).
  registerSchemas({ OpenApiTestThing: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } });
  defineRoute({
    method: 'get',
    path: '/v2/openapi-test-things/{thing_id}',
    tag: 'OpenApiTest',
    summary: 'Read one test thing',
    operationId: 'OpenApiTest_Get',
    params: z.object({ thing_id: z.string() }),
    responses: { 200: json('The thing', schemaRef('OpenApiTestThing')) },
  });
  t = await startTestApp('sqlite', 'openapi');
});
afterAll(async () => t?.close());

async function getDoc(): Promise<Doc> {
  const response = await fetch(`${t.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Doc;
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (structure, refs, path parameters)', async () => {
    const doc = await getDoc();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result).toMatchObject({ valid: true });
  });

  it('documents all 25 Terra operations under /v2, plus /health', async () => {
    const doc = await getDoc();
    for (const [method, path] of TERRA_OPERATIONS)
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    expect(doc.paths['/health'].get).toBeDefined();
    const terraOps = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v2/') && !path.startsWith('/v2/openapi-test'))
      .flatMap(([, item]) => Object.keys(item));
    expect(terraOps.length).toBeGreaterThanOrEqual(25);
  });

  it("keeps Terra's parameters, and points bodies at Terra's schemas", async () => {
    const doc = await getDoc();
    const activity = doc.paths['/v2/activity'].get;
    expect(activity.parameters?.map((p) => p.name)).toEqual([
      'user_id',
      'start_date',
      'end_date',
      'to_webhook',
      'with_samples',
    ]);
    expect(activity.parameters?.find((p) => p.name === 'user_id')).toMatchObject({ in: 'query', required: true });
    expect(JSON.stringify(activity.responses['200'])).toContain('#/components/schemas/Activity');
    expect(JSON.stringify(doc.paths['/v2/sleep'].get.responses['200'])).toContain('#/components/schemas/Sleep');
    expect(JSON.stringify(doc.paths['/v2/plannedWorkout'].post)).toContain('#/components/schemas/PlannedWorkout');
    expect(doc.paths['/v2/activity'].post.responses['413']).toBeDefined();
    // Tributary needs the target user on every write (Terra's contract names none for /activity, /body, /nutrition).
    for (const path of ['/v2/activity', '/v2/body', '/v2/nutrition', '/v2/plannedWorkout']) {
      expect(
        doc.paths[path].post.parameters?.filter((p) => p.name === 'user_id'),
        path,
      ).toEqual([expect.objectContaining({ in: 'query', required: true })]);
    }
  });

  it('has every Terra schema as a component, with refs rewritten to components', async () => {
    const doc = await getDoc();
    for (const name of TERRA_SCHEMA_NAMES) expect(doc.components.schemas[name], name).toBeDefined();
    expect(JSON.stringify(doc.components.schemas)).not.toContain('#/$defs/');
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(['auth', 'activity', 'sleep', 'healthcheck']));
  });

  it('declares the dev-id + x-api-key schemes, both required, and marks the public operations', async () => {
    const doc = await getDoc();
    expect(doc.components.securitySchemes.DevID).toMatchObject({ type: 'apiKey', in: 'header', name: 'dev-id' });
    expect(doc.components.securitySchemes.ApiKeyAuth).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(doc.security).toEqual([{ DevID: [], ApiKeyAuth: [] }]);
    expect(doc.paths['/v2/integrations'].get.security).toEqual([]);
    expect(doc.paths['/v2/integrations/detailed'].get.security).toEqual([]);
    expect(doc.paths['/v2/activity'].get.security).toBeUndefined();
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('points its server at this instance', async () => {
    expect((await getDoc()).servers[0].url).toBe(t.url);
  });

  it('includes operations and schemas registered by features', async () => {
    const doc = await getDoc();
    expect(doc.paths['/v2/openapi-test-things/{thing_id}'].get.tags).toEqual(['OpenApiTest']);
    expect(doc.components.schemas.OpenApiTestThing).toBeDefined();
  });

  it('matches what the server serves: every documented operation exists, every served route is listed', async () => {
    const doc = await getDoc();
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        documented.push(`${method} ${path}`);
        if (path.startsWith('/v2/openapi-test')) continue; // registered by this test, without a route
        const url = path.replace(/\{(\w+)\}/g, ':$1');
        expect(
          t.app.server.hasRoute({ method: method.toUpperCase() as 'GET', url }),
          `${method.toUpperCase()} ${path} is served`,
        ).toBe(true);
      }
    }
    const served = servedRoutes(t.app.server);
    expect(served.length).toBeGreaterThan(60);
    for (const route of served) expect(documented).toContain(`${route.method} ${route.path}`);
  });

  it('refuses to start a server with a route that is not declared', async () => {
    const undeclared: RouteModule = (app) => {
      app.get('/openapi-test-undeclared', async () => ({}));
    };
    await expect(buildServer(t.app.context, { v2: [], root: [undeclared] })).rejects.toThrow(
      /GET \/openapi-test-undeclared is served but not declared: declare it with defineRoute/,
    );
  });

  it('serves a declared route with the contract (the same check lets it through)', async () => {
    const spec = defineRoute({
      method: 'get',
      path: '/v2/openapi-test-declared',
      tag: 'OpenApiTest',
      summary: 'A declared test route',
      operationId: 'OpenApiTest_Declared',
      responses: { 200: json('Nothing', z.object({})) },
    });
    const server = await buildServer(t.app.context, { v2: [], root: [(app) => serve(app, spec, async () => ({}))] });
    try {
      await server.ready();
      expect(servedRoutes(server)).toContainEqual({ method: 'get', path: '/v2/openapi-test-declared' });
    } finally {
      await server.close();
    }
  });

  it('documents destinations, deliveries, files and the upload page from the code: types, config schemas, security', async () => {
    const doc = await getDoc();
    const schemas = doc.components.schemas as Record<
      string,
      {
        properties?: Record<string, { enum?: string[]; writeOnly?: boolean }>;
        required?: string[];
        description?: string;
        oneOf?: unknown[];
      }
    >;
    // The create body's type enum is the destination registry's types, each with its config schema and docs page.
    expect(schemas.DestinationCreate.properties?.type.enum).toEqual(destinationTypes());
    expect(schemas.DestinationCreate.oneOf).toHaveLength(destinationTypes().length);
    for (const definition of DESTINATION_DEFINITIONS) {
      const config = schemas[`DestinationConfig_${definition.type}`];
      expect(Object.keys(config?.properties ?? {}).length, definition.type).toBeGreaterThan(0);
      for (const secret of definition.secretFields)
        expect(config.properties?.[secret]?.writeOnly, `${definition.type}.${secret}`).toBe(true);
      const docsPath = destinationDocsPath(definition.type);
      expect(config.description).toContain(docsPath);
      expect(existsSync(join(import.meta.dirname, '../..', docsPath.replace(/#.*$/, ''))), docsPath).toBe(true);
    }
    // Read from the zod schemas: required fields, enums, defaults; a generated secret is optional.
    expect(schemas.DestinationConfig_sql.required).toEqual(['scheme', 'host', 'database', 'username']);
    expect(schemas.DestinationConfig_sql.properties?.scheme.enum).toEqual(['postgres', 'mysql']);
    expect(schemas.DestinationConfig_sqs.properties?.payload_mode).toMatchObject({
      enum: ['auto', 'inline', 's3_payload'],
      default: 'auto',
    });
    expect(schemas.DestinationConfig_webhook.required).toEqual(['url']);
    for (const name of [
      'Destination',
      'DestinationPatch',
      'DestinationWithSecrets',
      'Delivery',
      'DeliveryAttempt',
      'DeliveryDetail',
      'FilesUploadResult',
    ])
      expect(schemas[name], name).toBeDefined();
    const op = (method: string, path: string) =>
      doc.paths[path][method] as (typeof doc.paths)[string][string] & {
        requestBody?: { content: Record<string, unknown> };
      };
    expect(op('post', '/v2/destinations').responses['201']).toBeDefined();
    expect(op('post', '/v2/destinations/{id}/test').responses['202']).toBeDefined();
    expect(op('get', '/v2/deliveries').parameters?.map((p) => p.name)).toEqual([
      'destination_id',
      'status',
      'event_id',
      'event_type',
      'user_id',
      'limit',
      'cursor',
    ]);
    expect(Object.keys(op('post', '/v2/files').requestBody?.content ?? {})).toEqual([
      'application/octet-stream',
      'multipart/form-data',
    ]);
    expect(op('post', '/v2/files').parameters?.find((p) => p.name === 'user_id')).toMatchObject({
      in: 'query',
      required: true,
    });
    // Signed links and hosted pages need no API key; the rest of /v2 does.
    for (const [method, path] of [
      ['get', '/v2/payloads/{id}'],
      ['get', '/v2/events/{eventId}/activity.fit'],
      ['get', '/upload'],
      ['post', '/upload/files'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toEqual([]);
    }
    for (const [method, path] of [
      ['get', '/v2/destinations'],
      ['get', '/v2/deliveries/{id}'],
      ['get', '/v2/activity/{file}'],
      ['post', '/v2/files'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toBeUndefined();
    }
    for (const name of ['dev_id', 'expires', 'signature'])
      expect(op('get', '/v2/payloads/{id}').parameters?.find((p) => p.name === name)).toMatchObject({
        in: 'query',
        required: true,
      });
  });

  it('refuses to declare one route twice, or to register a schema twice', () => {
    expect(() =>
      defineRoute({
        method: 'get',
        path: '/v2/openapi-test-things/{thing_id}',
        tag: 'x',
        summary: '',
        operationId: '',
        responses: {},
      }),
    ).toThrow(/declared twice/);
    expect(() => registerSchemas({ OpenApiTestThing: {} })).toThrow(/registered twice/);
  });
});

describe('GET /docs', () => {
  it('is a self-contained HTML page naming every operation', async () => {
    const response = await fetch(`${t.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    for (const [method, path] of [
      ...TERRA_OPERATIONS,
      ['get', '/health'],
      ['get', '/v2/openapi-test-things/{thing_id}'],
    ]) {
      expect(html, path).toContain(`<code class="path">${path}</code>`);
      expect(html).toContain(`<span class="method ${method}">${method.toUpperCase()}</span>`);
    }
    for (const tag of ['Authentication', 'User', 'Activity', 'Sleep', 'PlannedWorkout', 'Integrations', 'Server'])
      expect(html).toContain(`<h2>${tag}</h2>`);
    // Request and response schema names, parameters, webhook events.
    expect(html).toContain('{user: TerraUser, data: Activity[], type: string | null}');
    expect(html).toContain('<code>{data: PlannedWorkout[]}</code>');
    expect(html).toContain('<code>with_samples</code>');
    expect(html).toContain('<code>SleepEvent</code>');
    // Nothing external: no scripts, no stylesheet or image links.
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
  });
});
