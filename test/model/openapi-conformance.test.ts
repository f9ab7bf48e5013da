/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/**
 * The documented operations of destinations, deliveries, files and the upload page against
 * what the real server answers: every request body used here validates against the
 * documented request schema, every answer's status is documented for its operation, and
 * every JSON answer validates against the documented response schema.
 */
const addFormats = formatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const DOC_ID = 'https://tributary.test/openapi.json';
const RUN_FIT = readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'));

type Operation = {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

let t: TestApp;
let receiver: Receiver;
let doc: { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };
let ajv: Ajv2020;

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startTestApp('sqlite', 'openapi-conformance');
  doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as typeof doc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: doc.components });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

function validate(schema: unknown, value: unknown, what: string, valid = true): void {
  const absolute = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as Record<
    string,
    unknown
  >;
  const check = ajv.compile(absolute);
  if (valid) expect(check(value) ? [] : check.errors, `${what}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
  else expect(check(value), `${what} should be invalid: ${JSON.stringify(value)}`).toBe(false);
}

/** Calls the operation documented at (method, path template), checking body, status and answer against the document. */
async function call(
  method: string,
  template: string,
  url: string,
  init: {
    json?: unknown;
    invalidJson?: boolean;
    body?: BodyInit;
    headers?: Record<string, string>;
    auth?: boolean;
  } = {},
) {
  const operation = doc.paths[template]?.[method];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  if (init.json !== undefined)
    validate(
      operation!.requestBody!.content['application/json']!.schema,
      init.json,
      `${method} ${template} request`,
      !init.invalidJson,
    );
  const response = await fetch(`${t.url}${url}`, {
    method: method.toUpperCase(),
    headers: {
      ...(init.auth === false ? {} : t.headers),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const documented = operation!.responses[String(response.status)];
  expect(documented, `${method} ${template} answered ${response.status}, which is not documented`).toBeDefined();
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
  const media = documented!.content?.[type];
  expect(
    documented!.content ? media : true,
    `${method} ${template} ${response.status} answered ${type}, documented: ${Object.keys(documented!.content ?? {}).join(', ')}`,
  ).toBeDefined();
  let body: any;
  if (type === 'application/json') {
    body = await response.json();
    validate(media!.schema, body, `${method} ${template} ${response.status} response`);
  } else body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body };
}

describe('documented destinations and deliveries match the server', () => {
  it('create, read, change, rotate, test, list deliveries, read one, redeliver, fetch a payload link, delete', async () => {
    const created = await call('post', '/v2/destinations', '/v2/destinations', {
      json: { type: 'webhook', url: receiver.url, event_types: ['healthcheck', 'activity'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.signing_secret).toMatch(/\S{16,}/);
    const id = created.body.id as string;
    expect(
      (
        await call('post', '/v2/destinations', '/v2/destinations', {
          json: { type: 'sql', config: { scheme: 'oracle' } },
          invalidJson: true,
        })
      ).status,
    ).toBe(400);

    expect((await call('get', '/v2/destinations', '/v2/destinations')).body.destinations).toHaveLength(1);
    expect((await call('get', '/v2/destinations/{id}', `/v2/destinations/${id}`)).body.url).toBe(receiver.url);
    expect((await call('get', '/v2/destinations/{id}', '/v2/destinations/dst_missing')).status).toBe(404);
    expect(
      (
        await call('patch', '/v2/destinations/{id}', `/v2/destinations/${id}`, {
          json: { format: 'json', event_types: null, enabled: true },
        })
      ).body.event_types,
    ).toBeNull();
    expect(
      (await call('post', '/v2/destinations/{id}/rotate-secret', `/v2/destinations/${id}/rotate-secret`)).body
        .signing_secret,
    ).not.toBe(created.body.signing_secret);
    expect((await call('get', '/v2/destinations', '/v2/destinations', { auth: false })).status).toBe(401);

    const test = await call('post', '/v2/destinations/{id}/test', `/v2/destinations/${id}/test`);
    expect(test.status).toBe(202);
    const deliveryId = test.body.delivery.id as string;
    await eventually(
      async () => (await t.app.context.delivery!.deliveries.get(t.devId, deliveryId))?.status === 'delivered',
      15_000,
      'test delivery delivered',
    );
    const list = await call('get', '/v2/deliveries', `/v2/deliveries?destination_id=${id}&limit=10`);
    expect(list.body.deliveries.map((d: any) => d.id)).toContain(deliveryId);
    expect((await call('get', '/v2/deliveries', '/v2/deliveries?status=lost')).status).toBe(400);
    const detail = await call('get', '/v2/deliveries/{id}', `/v2/deliveries/${deliveryId}`);
    expect(detail.body.attempt_log).toHaveLength(1);
    expect((await call('post', '/v2/deliveries/{id}/redeliver', `/v2/deliveries/${deliveryId}/redeliver`)).status).toBe(
      202,
    );

    // The signed payload link of ping mode: the event itself, without an API key.
    const link = new URL(t.app.context.delivery!.payloadUrl(t.devId, test.body.delivery.event_id, 60));
    expect((await call('get', '/v2/payloads/{id}', `${link.pathname}${link.search}`, { auth: false })).body.type).toBe(
      'healthcheck',
    );
    link.searchParams.set('signature', 'forged');
    expect((await call('get', '/v2/payloads/{id}', `${link.pathname}${link.search}`, { auth: false })).status).toBe(
      403,
    );

    expect((await call('delete', '/v2/destinations/{id}', `/v2/destinations/${id}`)).body).toMatchObject({
      status: 'success',
      id,
    });
  });
});

describe('documented files and upload page match the server', () => {
  it('uploads raw and multipart, downloads FIT by summary id and by signed event link, serves the upload page', async () => {
    const auth = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    const { user_id: userId, auth_url: authUrl } = (await auth.json()) as { user_id: string; auth_url: string };

    const raw = await call('post', '/v2/files', `/v2/files?user_id=${userId}&filename=run.fit`, {
      body: new Uint8Array(RUN_FIT),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(raw.status).toBe(201);
    const summaryId = raw.body.summary_ids[0] as string;
    expect(
      (
        await call('post', '/v2/files', `/v2/files?user_id=${userId}`, {
          body: new Uint8Array(0),
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('post', '/v2/files', '/v2/files?user_id=nobody', {
          body: new Uint8Array(RUN_FIT),
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).status,
    ).toBe(404);

    const fit = await call(
      'get',
      '/v2/activity/{file}',
      `/v2/activity/${encodeURIComponent(summaryId)}.fit?user_id=${userId}`,
    );
    expect(fit.status).toBe(200);
    expect(fit.body.subarray(8, 12).toString('latin1')).toBe('.FIT');
    expect((await call('get', '/v2/activity/{file}', `/v2/activity/${encodeURIComponent(summaryId)}.fit`)).status).toBe(
      400,
    );
    // The path parameter arrives decoded once: an id holding '%' is looked up as such, not decoded again (was a 500).
    expect(
      (await call('get', '/v2/activity/{file}', `/v2/activity/${encodeURIComponent('no%such')}.fit?user_id=${userId}`))
        .status,
    ).toBe(404);

    const event = (await t.app.store.events.list(t.devId, { userId, type: 'activity', afterMs: 0, limit: 10 }))[0]!;
    const fitLink = new URL(t.app.context.fitLinks!.url(t.devId, event.eventId, 60));
    expect(
      (await call('get', '/v2/events/{eventId}/activity.fit', `${fitLink.pathname}${fitLink.search}`, { auth: false }))
        .status,
    ).toBe(200);
    expect(
      (await call('get', '/v2/events/{eventId}/activity.fit', `${fitLink.pathname}?dev_id=${t.devId}`, { auth: false }))
        .status,
    ).toBe(400);

    const page = new URL(authUrl);
    expect((await call('get', '/upload', `${page.pathname}${page.search}`, { auth: false })).status).toBe(200);
    expect((await call('get', '/upload', '/upload', { auth: false })).status).toBe(400);
    expect((await call('get', '/upload', '/upload?token=a.b', { auth: false })).status).toBe(403);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(RUN_FIT)]), 'again.fit');
    const multipart = await call('post', '/upload/files', `/upload/files${page.search}`, { body: form, auth: false });
    expect(multipart.status).toBe(201);
    expect(multipart.body.files[0]).toMatchObject({ filename: 'again.fit', duplicate: true });
  });
});
