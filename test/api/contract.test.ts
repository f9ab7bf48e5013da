import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorHandler } from '../../src/api/errors.ts';
import {
  DECLARED_ROUTES,
  booleanParam,
  defineRoute,
  integerParam,
  json,
  requiredText,
  serve,
} from '../../src/api/contract/index.ts';
import { terraOperations } from '../../src/api/openapi/index.ts';
import { createLogger } from '../../src/core/logger.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { call } from './client.ts';
import { activity } from './records.ts';

/** One declaration per route: what it validates, how it answers, what it documents. */

describe('a declared route (contract mechanism)', () => {
  const PROVIDERS = Array.from({ length: 130 }, (_, i) => `P${i}`) as [string, ...string[]];
  const route = defineRoute({
    method: 'post',
    path: '/contract-test/{id}',
    tag: 'ContractTest',
    summary: 'A test route',
    operationId: 'ContractTest_Post',
    params: z.object({ id: z.string() }),
    query: z.object({ user_id: requiredText(), limit: integerParam(1, 10, 5), flag: booleanParam(false) }),
    body: z.object({ name: z.string(), provider: z.enum(PROVIDERS).optional() }).strict(),
    responses: { 200: json('Echo', z.object({ id: z.string(), limit: z.number(), flag: z.boolean() })) },
  });
  const app = Fastify();
  app.setErrorHandler(errorHandler(createLogger('error')));
  serve(app, route, async ({ params, query, body }) => ({
    id: `${params.id}:${body.name}`,
    limit: query.limit,
    flag: query.flag,
  }));
  afterAll(() => app.close());
  const post = async (query: string, body: unknown) => {
    const response = await app.inject({ method: 'POST', url: `/contract-test/x?${query}`, payload: body as object });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it('hands the handler typed, parsed values (defaults applied)', async () => {
    expect(await post('user_id=u&flag=True', { name: 'n' })).toEqual({
      status: 200,
      body: { id: 'x:n', limit: 5, flag: true },
    });
  });

  it('answers 400 naming the parameter, in words', async () => {
    expect((await post('', { name: 'n' })).body).toMatchObject({
      parameter: 'user_id',
      message: 'missing required parameter user_id',
    });
    expect((await post('user_id=u&limit=99', { name: 'n' })).body).toMatchObject({
      parameter: 'limit',
      message: 'limit must be an integer from 1 to 10 (got "99")',
    });
    expect((await post('user_id=u', { name: 5 })).body).toMatchObject({
      parameter: 'name',
      message: "body field 'name' must be a string (got number)",
    });
    expect((await post('user_id=u', [])).body).toMatchObject({
      parameter: 'body',
      message: 'the body must be a JSON object',
    });
  });

  it('names unknown body fields, and does not dump a 130-value enum', async () => {
    const unknown = await post('user_id=u', { name: 'n', colour: 'red', size: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ parameter: 'colour', message: "unknown body fields 'colour', 'size'" });
    const badEnum = await post('user_id=u', { name: 'n', provider: 'NOPE' });
    expect(badEnum.body.parameter).toBe('provider');
    expect(badEnum.body.message).toBe('unknown provider "NOPE" (130 values are accepted; see /openapi.json)');
    expect(String(badEnum.body.message)).not.toContain('P129');
  });

  it('every Terra operation it declares covers the parameters of Terra’s contract', () => {
    const terra = terraOperations();
    const declared = DECLARED_ROUTES.filter((r) => r.terra);
    expect(declared.length).toBeGreaterThanOrEqual(8);
    for (const route of declared) {
      const operation = terra.find((o) => o.method === route.method && o.path === route.path);
      expect(operation, `${route.method} ${route.path} is a Terra operation`).toBeDefined();
      let query: z.ZodTypeAny | undefined = route.query;
      while (query instanceof z.ZodEffects) query = query.innerType();
      const keys = Object.keys((query as z.AnyZodObject | undefined)?.shape ?? {});
      for (const parameter of (operation!.operation.parameters ?? []).filter((p) => p.in === 'query'))
        expect(keys, `${route.path} declares ${String(parameter.name)}`).toContain(parameter.name);
    }
  });
});

describe('the served document and the committed one', () => {
  let t: TestApp;
  let user: User;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'contract');
    user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', referenceId: 'c', state: 'connected' });
    await storeRecords(t.app.store, {
      user,
      type: 'activity',
      records: [activity('c1', '2026-03-01T08:00:00.000Z'), activity('c2', '2026-03-01T20:00:00.000Z')],
    });
  });
  afterAll(async () => t?.close());

  it('docs/openapi.json is GET /openapi.json (but for the server URL): nothing served goes undeclared', async () => {
    const served = (await (await fetch(`${t.url}/openapi.json`)).json()) as Record<string, unknown>;
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/openapi.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const paths = served.paths as Record<string, unknown>;
    delete paths['/contract-test/{id}']; // declared by this file
    served.tags = (served.tags as { name: string }[]).filter((tag) => tag.name !== 'ContractTest');
    expect({ ...served, servers: undefined }).toEqual({ ...committed, servers: undefined });
  });

  const read = (query: string) =>
    call(t, 'GET', `/v2/activity?user_id=${user.userId}&to_webhook=false&${query}`).then((a) => ({
      status: a.status,
      ids: (a.body.data as { metadata: { summary_id: string } }[] | undefined)?.map((d) => d.metadata.summary_id),
      body: a.body,
    }));

  it('dates: ISO 8601 date-times are instants, days and unix seconds as before', async () => {
    expect((await read('start_date=2026-03-01T12:00:00Z&end_date=2026-03-01T23:00:00Z')).ids).toEqual(['c2']);
    expect((await read('start_date=2026-03-01T13:00:00%2B01:00&end_date=2026-03-02')).ids).toEqual(['c2']);
    expect((await read('start_date=2026-03-01&end_date=2026-03-01')).ids).toEqual(['c1', 'c2']);
    expect((await read(`start_date=${Date.parse('2026-03-01T07:00:00Z') / 1000}`)).ids).toEqual(['c1', 'c2']);
  });

  it('a unix-milliseconds value is a 400 saying so; an impossible date-time names its parameter', async () => {
    const ms = await read(`start_date=${Date.parse('2026-03-01T00:00:00Z')}`);
    expect(ms.status).toBe(400);
    expect(ms.body).toMatchObject({ parameter: 'start_date' });
    expect(ms.body.message).toMatch(/looks like unix milliseconds/);
    const bad = await read('start_date=2026-03-01&end_date=2026-03-01T25:00:00Z');
    expect(bad).toMatchObject({ status: 400, body: { parameter: 'end_date' } });
  });

  it('booleans: true/false/True/False/1/0; anything else names the parameter', async () => {
    for (const value of ['false', 'False', '0']) {
      const answer = await call(
        t,
        'GET',
        `/v2/activity?user_id=${user.userId}&start_date=2026-03-01&to_webhook=${value}`,
      );
      expect(answer.status, value).toBe(200);
      expect(answer.body.data, value).toHaveLength(2);
    }
    const asWebhook = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&start_date=2026-03-01&to_webhook=True`);
    expect(asWebhook.status).toBe(200);
    expect(asWebhook.body.data).toBeUndefined();
    const bad = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&start_date=2026-03-01&with_samples=yes`);
    expect(bad).toMatchObject({ status: 400, body: { parameter: 'with_samples' } });
  });
});
