import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, tempDir } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { FIXTURES, zipFolder } from './helpers.ts';

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
});
