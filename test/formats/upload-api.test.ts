import { Decoder, Stream } from '@garmin/fitsdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFit } from '../../src/formats/fit.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { LOCAL_FIXTURES } from './fixtures.ts';
import { makeZip } from './zip-writer.ts';

const fixture = (path: string) => readFileSync(join(LOCAL_FIXTURES, path));
const RUN = fixture('fit/python-fitparse/garmin-fenix-5-run.fit');
const TRI = fixture('fit/python-fitparse/sample_mulitple_header.fit');

for (const engine of ENGINES) {
  describe(`workout uploads over HTTP (${engine})`, () => {
    let t: TestApp;
    let userId: string;
    let authUrl: string;

    beforeAll(async () => {
      t = await startTestApp(engine, `uploads-${engine}`, { TRIBUTARY_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
      const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ reference_id: 'athlete-7' }),
      });
      const body = (await response.json()) as { status: string; user_id: string; auth_url: string };
      expect(response.status).toBe(200);
      expect(body.status).toBe('success');
      userId = body.user_id;
      authUrl = body.auth_url;
    });
    afterAll(async () => t?.close());

    const upload = (bytes: Buffer, query: Record<string, string> = {}, headers: Record<string, string> = {}) =>
      fetch(`${t.url}/v2/files?${new URLSearchParams({ user_id: userId, ...query })}`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/octet-stream', ...headers },
        body: new Uint8Array(bytes),
      });

    it('authenticateUser?resource=UPLOAD creates a connected user with an upload page', async () => {
      expect(authUrl).toMatch(new RegExp(`^${t.url}/upload\\?token=[\\w-]+\\.[\\w-]+$`));
      const user = await t.app.store.users.get(t.devId, userId);
      expect(user).toMatchObject({ provider: 'UPLOAD', state: 'connected', referenceId: 'athlete-7' });
      const page = await fetch(authUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toMatch(/Upload your workouts/);
    });

    it('POST /v2/files stores the activity with its raw bytes and one event; the same file twice changes nothing', async () => {
      const first = await upload(RUN, { filename: 'morning-run.fit' });
      expect(first.status).toBe(201);
      const body = (await first.json()) as { type: string; summary_ids: string[]; files: { duplicate: boolean }[] };
      expect(body.type).toBe('activity');
      expect(body.summary_ids).toHaveLength(1);
      expect(body.files[0]!.duplicate).toBe(false);
      const raw = await t.app.store.raw.list(t.devId, userId, { provider: 'UPLOAD' });
      expect(raw).toHaveLength(1);
      expect(raw[0]!.body.equals(RUN)).toBe(true);
      expect(raw[0]!.contentType).toBe('application/vnd.ant.fit');
      const eventsBefore = await t.app.store.events.list(t.devId, { userId, type: 'activity' });
      expect(eventsBefore).toHaveLength(1);

      const again = await upload(RUN, { filename: 'copy.fit' });
      expect(again.status).toBe(201);
      const againBody = (await again.json()) as { summary_ids: string[]; files: { duplicate: boolean }[] };
      expect(againBody.summary_ids).toEqual(body.summary_ids);
      expect(againBody.files[0]!.duplicate).toBe(true);
      expect(await t.app.store.raw.list(t.devId, userId, { provider: 'UPLOAD' })).toHaveLength(1);
      expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(1);
      expect(await t.app.store.events.list(t.devId, { userId, type: 'activity' })).toHaveLength(1);
    });

    it('a multisport FIT becomes one activity per session, readable through GET /v2/activity', async () => {
      const response = await upload(TRI);
      const body = (await response.json()) as { summary_ids: string[] };
      expect(response.status).toBe(201);
      expect(body.summary_ids).toHaveLength(5);
      const read = await fetch(
        `${t.url}/v2/activity?${new URLSearchParams({ user_id: userId, start_date: '2018-05-27', end_date: '2018-05-28', to_webhook: 'false' })}`,
        { headers: t.headers },
      );
      const data = (await read.json()) as { data: { metadata: { summary_id: string } }[] };
      expect(data.data.map((a) => a.metadata.summary_id).sort()).toEqual([...body.summary_ids].sort());
    });

    it('the upload page accepts multipart/form-data with several files and an iFit start time', async () => {
      const form = new FormData();
      form.append('start_time', '2024-03-01T06:30:00Z');
      form.append('file', new Blob([new Uint8Array(fixture('tcx/python-tcxparser/sup_activity_1.tcx'))]), 'paddle.tcx');
      form.append(
        'file',
        new Blob([
          new TextEncoder().encode(
            'Stages_Data,,\nEnglish,,\nTime,Miles,MPH,Watts,HR,RPM\n00:00,0,0,0,0,0\n00:01,0.001,3.6,90,120,60\n',
          ),
        ]),
        'ifit.csv',
      );
      const response = await fetch(authUrl.replace('/upload?', '/upload/files?'), { method: 'POST', body: form });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { summary_ids: string[]; files: { filename: string; format: string }[] };
      expect(body.files.map((f) => [f.filename, f.format])).toEqual([
        ['paddle.tcx', 'tcx'],
        ['ifit.csv', 'ifit_csv'],
      ]);
      const csvActivity = await t.app.store.records.get(t.devId, userId, 'activity', body.summary_ids[1]!);
      expect((csvActivity!.metadata as Record<string, unknown>).start_time).toBe('2024-03-01T06:30:00.000000+00:00');
    });

    it('a zip imports its workouts and reports the rejected entries', async () => {
      const zip = makeZip([
        { name: 'a/run.fit', data: RUN },
        { name: 'b/walk.gpx', data: fixture('gpx/python-garminconnect/sample_activity.gpx') },
        { name: 'c/settings.fit', data: fixture('fit/python-fitparse/Settings.fit') },
      ]);
      const response = await upload(zip, { filename: 'export.zip' });
      expect(response.status).toBe(201);
      const body = (await response.json()) as {
        files: { filename: string; duplicate: boolean }[];
        rejected: { filename: string; reason: string }[];
      };
      expect(body.files).toEqual([
        expect.objectContaining({ filename: 'export.zip/a/run.fit', duplicate: true }),
        expect.objectContaining({ filename: 'export.zip/b/walk.gpx', duplicate: false }),
      ]);
      expect(body.rejected).toEqual([
        { filename: 'export.zip/c/settings.fit', reason: expect.stringMatching(/settings/) },
      ]);
    });

    it('bad files get a 4xx JSON that says what is wrong, and nothing is stored', async () => {
      const before = await t.app.store.records.count(t.devId, userId);
      const rawBefore = (await t.app.store.raw.list(t.devId, userId)).length;
      const cases: [Buffer, number, RegExp][] = [
        [Buffer.alloc(0), 400, /empty/],
        [Buffer.from('just some text'), 415, /not a workout file/],
        [fixture('fit/python-fitparse/activity-unexpected-eof.fit'), 400, /integrity check/],
        [fixture('fit/python-fitparse/activity-filecrc.fit'), 400, /integrity check/],
        [fixture('fit/python-fitparse/Settings.fit'), 400, /not a workout/],
        [RUN.subarray(0, 2000), 400, /integrity check/],
        [Buffer.alloc(3 * 1024 * 1024, 1), 413, /over the limit of 2 MB/],
      ];
      for (const [bytes, status, message] of cases) {
        const response = await upload(bytes);
        expect(response.status, message.source).toBe(status);
        expect(response.headers.get('content-type')).toMatch(/application\/json/);
        const body = (await response.json()) as { status: string; message: string };
        expect(body.status).toBe('error');
        expect(body.message).toMatch(message);
      }
      const csv = await upload(Buffer.from('Stages_Data,,\nEnglish,,\nTime,Miles,MPH,Watts,HR,RPM\n00:00,0,0,0,0,0\n'));
      expect(csv.status).toBe(400);
      expect(await csv.json()).toMatchObject({ parameter: 'start_time' });
      expect(await t.app.store.records.count(t.devId, userId)).toBe(before);
      expect(await t.app.store.raw.list(t.devId, userId)).toHaveLength(rawBefore);
    });

    it('the body is the file whatever its content type (detection is from the content)', async () => {
      for (const type of [
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/json',
        'application/gpx+xml',
      ]) {
        const response = await upload(
          fixture('gpx/python-garminconnect/sample_activity.gpx'),
          {},
          { 'content-type': type },
        );
        expect(response.status, type).toBe(201);
      }
      const noType = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
        method: 'POST',
        headers: t.headers,
        body: new Blob([new Uint8Array(RUN)]),
      });
      expect(noType.status).toBe(201);
      const noBody = await fetch(`${t.url}/v2/files?user_id=${userId}`, { method: 'POST', headers: t.headers });
      expect(noBody.status).toBe(400);
      expect(await noBody.json()).toMatchObject({ parameter: 'file', message: expect.stringMatching(/no body/) });
    });

    it('uploads need an API key and a user of the developer', async () => {
      expect(
        (
          await fetch(`${t.url}/v2/files?user_id=${userId}`, {
            method: 'POST',
            body: new Uint8Array(RUN),
            headers: { 'content-type': 'application/octet-stream' },
          })
        ).status,
      ).toBe(401);
      const other = await t.otherDeveloper();
      const response = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
        method: 'POST',
        body: new Uint8Array(RUN),
        headers: { ...other.headers, 'content-type': 'application/octet-stream' },
      });
      expect(response.status).toBe(404);
      expect((await fetch(`${t.url}/upload?token=not-a-token`)).status).toBe(403);
      expect((await fetch(`${t.url}/upload`)).status).toBe(400);
    });

    it('GET /v2/activity/{summary_id}.fit returns a FIT file that passes the integrity check and equals the stored activity', async () => {
      const [summaryId] = ((await (await upload(RUN)).json()) as { summary_ids: string[] }).summary_ids;
      const response = await fetch(`${t.url}/v2/activity/${summaryId}.fit?user_id=${userId}`, { headers: t.headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/vnd.ant.fit');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(new Decoder(Stream.fromBuffer(bytes)).checkIntegrity()).toBe(true);
      expect(new Decoder(Stream.fromBuffer(bytes)).read().errors).toEqual([]);
      const stored = await t.app.store.records.get(t.devId, userId, 'activity', summaryId!);
      const [back] = decodeFit(bytes);
      expect((back!.heart_rate_data as { detailed: unknown }).detailed).toEqual(
        (stored!.heart_rate_data as { detailed: unknown }).detailed,
      );
      expect((await fetch(`${t.url}/v2/activity/nope.fit?user_id=${userId}`, { headers: t.headers })).status).toBe(404);
    });
  });
}
