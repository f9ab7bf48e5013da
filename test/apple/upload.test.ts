import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, tempDir } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { FIXTURES, zipFolder } from './helpers.ts';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';

const V14 = join(FIXTURES, 'tributary-v14/apple_health_export');
const GPX = readFileSync(join(LOCAL_FIXTURES, 'gpx/python-garminconnect/sample_activity.gpx'));

/** The v14 export re-zipped by another tool: export.xml and its routes in a folder of any name. */
async function rezippedExport(folder: string): Promise<Buffer> {
  const route = 'workout-routes/route_2024-03-02_7.00am.gpx';
  const out = await zipFolder(tempDir('apple-rezip-src-'), join(tempDir('apple-rezip-'), 'health.zip'), [
    { name: `${folder}/export.xml`, content: readFileSync(join(V14, 'export.xml'), 'utf8') },
    { name: `${folder}/${route}`, content: readFileSync(join(V14, route), 'utf8') },
  ]);
  return readFileSync(out);
}

/** A real multipart/form-data request: each file a `file` part with its name. */
function form(files: { name: string; bytes: Buffer }[]): FormData {
  const body = new FormData();
  for (const file of files) body.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
  return body;
}

describe.each(ENGINES)('Apple Health export through POST /v2/files (%s)', (engine) => {
  let t: TestApp;
  let zip: Buffer;
  beforeAll(async () => {
    t = await startTestApp(engine, `apple-upload-${engine}`);
    zip = readFileSync(await zipFolder(join(FIXTURES, 'tributary-v14'), join(tempDir(), 'export.zip')));
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = (userId: string, body: Buffer, filename: string) =>
    fetch(`${t.url}/v2/files?user_id=${userId}&filename=${filename}`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(body),
    });

  it('imports export.zip for an APPLE user, once', async () => {
    const user = await t.app.store.users.create(t.devId, { provider: 'APPLE', state: 'connected' });
    const first = await upload(user.userId, zip, 'export.zip');
    expect(first.status).toBe(201);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'apple_health_export',
      format: 'zip',
      workouts: 1,
      routes: { attached: 1, missing: 0 },
      records_changed: { daily: 1, sleep: 1, activity: 1 },
    });
    const events = await t.app.store.events.list(t.devId, { userId: user.userId });
    expect(events.map((e) => e.type).sort()).toEqual([
      'activity',
      'athlete',
      'body',
      'daily',
      'menstruation',
      'nutrition',
      'sleep',
    ]);

    const again = (await (await upload(user.userId, zip, 'export.zip')).json()) as Record<string, unknown>;
    expect(again).toMatchObject({ samples: { new: 0 }, events: 0, days_recomputed: 0 });
    expect((await t.app.store.events.list(t.devId, { userId: user.userId })).length).toBe(events.length);

    const daily = await fetch(
      `${t.url}/v2/daily?user_id=${user.userId}&start_date=2024-03-02&end_date=2024-03-02&to_webhook=false`,
      { headers: t.headers },
    );
    expect(
      ((await daily.json()) as { data: { distance_data: { steps: number } }[] }).data[0]!.distance_data.steps,
    ).toBe(4200);
  });

  it('imports a bare export.xml for an UPLOAD user and refuses other providers', async () => {
    const xml = readFileSync(join(FIXTURES, 'apple-health-parser/export.xml'));
    const uploader = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
    const ok = await upload(uploader.userId, xml, 'export.xml');
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ type: 'apple_health_export', format: 'xml', samples: { new: 8 } });

    const other = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected' });
    const refused = await upload(other.userId, xml, 'export.xml');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'bad_request', parameter: 'user_id' });
  });

  const exportOnly = { type: 'apple_health_export', format: 'zip', workouts: 1, routes: { attached: 1, missing: 0 } };

  it('a re-zipped export (export.xml in another folder) sent as the raw body goes to the Apple importer', async () => {
    const user = await t.app.store.users.create(t.devId, { provider: 'APPLE', state: 'connected' });
    const response = await upload(user.userId, await rezippedExport('backup/2024/Health Export'), 'health.zip');
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject(exportOnly);
    // One workout with its route, not the route file as a separate (bogus) activity.
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(1);
  });

  it('multipart: an Apple export zip (export.xml anywhere) goes to the Apple importer', async () => {
    const user = await t.app.store.users.create(t.devId, { provider: 'APPLE', state: 'connected' });
    const response = await fetch(`${t.url}/v2/files?user_id=${user.userId}`, {
      method: 'POST',
      headers: t.headers,
      body: form([{ name: 'health.zip', bytes: await rezippedExport('Health Export') }]),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      ...exportOnly,
      records_changed: { daily: 1, sleep: 1, activity: 1 },
    });
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(1);
  });

  it('multipart: an export beside a workout file answers both, each by its importer', async () => {
    const user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
    const response = await fetch(`${t.url}/v2/files?user_id=${user.userId}`, {
      method: 'POST',
      headers: t.headers,
      body: form([
        { name: 'export.zip', bytes: zip },
        { name: 'ride.gpx', bytes: GPX },
      ]),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      type: string;
      files: { filename: string; format: string }[];
      apple_health_exports: Record<string, unknown>[];
    };
    expect(body.type).toBe('activity');
    expect(body.files).toMatchObject([{ filename: 'ride.gpx', format: 'gpx' }]);
    expect(body.apple_health_exports).toMatchObject([{ filename: 'export.zip', ...exportOnly }]);
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(2);
  });

  it('multipart: an export for a user of another provider is refused (400), not imported as GPX files', async () => {
    const user = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected' });
    const response = await fetch(`${t.url}/v2/files?user_id=${user.userId}`, {
      method: 'POST',
      headers: t.headers,
      body: form([{ name: 'export.zip', bytes: zip }]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'bad_request', parameter: 'user_id' });
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(0);
  });

  it('the hosted upload link imports an Apple export zip as the page sends it (multipart)', async () => {
    const link = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(link.status).toBe(200);
    const { user_id: userId, auth_url: authUrl } = (await link.json()) as { user_id: string; auth_url: string };
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Apple Health export');
    const sent = () =>
      fetch(authUrl.replace('/upload?', '/upload/files?'), {
        method: 'POST',
        body: form([{ name: 'health.zip', bytes: zip }]),
      });
    const first = await sent();
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ ...exportOnly, user_id: userId });
    expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(1);
    const again = await sent();
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ samples: { new: 0 }, events: 0 });
  });
});
