import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { call, isErrorBody } from './client.ts';
import { activity, body } from './records.ts';

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe.each(ENGINES)('data reads and server basics (%s)', (engine) => {
  let t: TestApp;
  let user: User;
  let foreign: User;
  const march = [
    activity('m1', '2026-03-01T08:00:00.000Z'),
    activity('m2', '2026-03-02T08:00:00.000Z'),
    activity('m3', '2026-03-03T08:00:00.000Z'),
  ];

  beforeAll(async () => {
    t = await startTestApp(engine, `reads-${engine}`);
    user = await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'r', state: 'connected' });
    await storeRecords(t.app.store, { user, type: 'activity', records: march });
    await storeRecords(t.app.store, { user, type: 'body', records: [body('2026-03-01'), body('2026-03-02')] });
    await storeRecords(t.app.store, { user, type: 'athlete', records: [{ first_name: 'Ada', age: 36 }] });
    const other = await t.otherDeveloper();
    foreign = await t.app.store.users.create(other.devId, { provider: 'IFIT', state: 'connected' });
    await storeRecords(t.app.store, {
      user: foreign,
      type: 'activity',
      records: [activity('foreign-secret-run', '2026-03-01T08:00:00.000Z')],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const read = (path: string, query: string) => call(t, 'GET', `/v2/${path}?user_id=${user.userId}&${query}`);
  const ids = (data: Array<{ metadata: { summary_id: string } }>) => data.map((a) => a.metadata.summary_id);

  it('GET /health answers {"status":"ok"} without keys, with the store and queue', async () => {
    const { status, body: answer } = await call(t, 'GET', '/health', { headers: null });
    expect(status).toBe(200);
    expect(answer).toMatchObject({ status: 'ok', store: { status: 'ok' }, queue: { status: 'ok' } });
  });

  it('to_webhook=false answers {user, data, type}; an end date given as a day includes that whole day', async () => {
    const { status, body: answer } = await read(
      'activity',
      'start_date=2026-03-01&end_date=2026-03-02&to_webhook=false',
    );
    expect(status).toBe(200);
    expect(answer.type).toBe('activity');
    expect(answer.user).toMatchObject({ user_id: user.userId, provider: 'IFIT', reference_id: 'r' });
    expect(ids(answer.data)).toEqual(['m1', 'm2']);
  });

  it('start_date and end_date as unix seconds select the same window', async () => {
    const { body: answer } = await read(
      'activity',
      `start_date=${unix('2026-03-02T00:00:00Z')}&end_date=${unix('2026-03-03T12:00:00Z')}&to_webhook=false`,
    );
    expect(ids(answer.data)).toEqual(['m2', 'm3']);
    const open = await read('activity', `start_date=${unix('2026-03-03T00:00:00Z')}&to_webhook=false`);
    expect(ids(open.body.data)).toEqual(['m3']);
  });

  it('with_samples defaults to false and omits sample arrays; with_samples=true includes them', async () => {
    const without = await read('activity', 'start_date=2026-03-01&end_date=2026-03-01&to_webhook=false');
    expect(without.body.data[0].heart_rate_data.summary).toEqual({ avg_hr_bpm: 140, max_hr_bpm: 170 });
    expect(without.body.data[0].heart_rate_data.detailed?.hr_samples).toBeUndefined();
    const withSamples = await read(
      'activity',
      'start_date=2026-03-01&end_date=2026-03-01&to_webhook=false&with_samples=true',
    );
    expect(withSamples.body.data).toEqual([march[0]]);
  });

  it('to_webhook defaults to true and answers the DataSentToWebhook shape with a reference, not the data', async () => {
    const { status, body: answer } = await read('activity', 'start_date=2026-03-01&end_date=2026-03-03');
    expect(status).toBe(200);
    expect(answer).toMatchObject({
      reference: expect.any(String),
      message: expect.any(String),
      user: { user_id: user.userId },
    });
    expect(answer.data).toBeUndefined();
    expect(await t.app.store.dataRequests.get(t.devId, answer.reference)).toMatchObject({
      userId: user.userId,
      dataType: 'activity',
    });
  });

  it('a response over 1 MiB is streamed and is the same JSON, rows large and small in order', async () => {
    const big = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected' });
    const records = Array.from({ length: 40 }, (_, i) => {
      const start = new Date(Date.parse('2026-05-01T06:00:00Z') + i * 3_600_000).toISOString();
      const record = activity(`s${String(i).padStart(2, '0')}`, start);
      // Every fifth activity carries an hour of 1 Hz samples (~150 KB), the others a few.
      if (i % 5 === 0) {
        record.heart_rate_data.detailed.hr_samples = Array.from({ length: 3600 }, (_, s) => ({
          timestamp: new Date(Date.parse(start) + s * 1000).toISOString(),
          bpm: 100 + (s % 60),
        }));
      }
      return record;
    });
    for (const record of records) await storeRecords(t.app.store, { user: big, type: 'activity', records: [record] });
    const response = await fetch(
      `${t.url}/v2/activity?user_id=${big.userId}&start_date=2026-05-01&end_date=2026-05-03&to_webhook=false&with_samples=true`,
      { headers: t.headers },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    // Streamed: chunked, so no content-length.
    expect(response.headers.get('content-length')).toBeNull();
    const text = await response.text();
    expect(text.length).toBeGreaterThan(1 << 20);
    const parsed = JSON.parse(text);
    expect(parsed.type).toBe('activity');
    expect(parsed.user.user_id).toBe(big.userId);
    expect(parsed.data).toEqual(records);
  });

  it('other types: body by day, athlete as one object', async () => {
    const bodies = await read('body', 'start_date=2026-03-02&end_date=2026-03-02&to_webhook=false');
    expect(
      bodies.body.data.map((b: { metadata: { start_time: string } }) => b.metadata.start_time.slice(0, 10)),
    ).toEqual(['2026-03-02']);
    const athlete = await read('athlete', 'to_webhook=false');
    expect(athlete.body).toMatchObject({
      type: 'athlete',
      athlete: { first_name: 'Ada', age: 36 },
      user: { user_id: user.userId },
    });
    const empty = await read('sleep', 'start_date=2026-03-01&to_webhook=false');
    expect(empty.body).toMatchObject({ data: [], type: 'sleep' });
  });

  it('400 naming the parameter for missing or malformed input, never a 500', async () => {
    const cases: Array<[string, string]> = [
      ['', 'start_date'],
      ['start_date=2026-02-30', 'start_date'],
      ['start_date=yesterday', 'start_date'],
      ['start_date=2026-03-02&end_date=2026-03-01', 'end_date'],
      ['start_date=2026-03-01&end_date=03/02/2026', 'end_date'],
      ['start_date=2026-03-01&to_webhook=perhaps', 'to_webhook'],
      ['start_date=2026-03-01&to_webhook=false&with_samples=yes please', 'with_samples'],
    ];
    for (const [query, parameter] of cases) {
      const answer = await read('activity', query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.parameter, query).toBe(parameter);
      expect(answer.body.message, query).toContain(parameter);
      expect(isErrorBody(answer.body)).toBe(true);
    }
    const noUser = await call(t, 'GET', '/v2/activity?start_date=2026-03-01');
    expect(noUser.status).toBe(400);
    expect(noUser.body.parameter).toBe('user_id');
    const twice = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&user_id=other&start_date=2026-03-01`);
    expect(twice.status).toBe(400);
    expect(twice.body.parameter).toBe('user_id');
  });

  it('404 for an unknown user and for another developer’s user (whose data stays hidden)', async () => {
    for (const id of ['nobody', foreign.userId]) {
      const answer = await call(t, 'GET', `/v2/activity?user_id=${id}&start_date=2026-03-01&to_webhook=false`);
      expect(answer.status).toBe(404);
      expect(isErrorBody(answer.body)).toBe(true);
      expect(JSON.stringify(answer.body)).not.toContain('foreign-secret-run');
    }
  });

  it('401 with a JSON message when keys are missing or wrong', async () => {
    const missing = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&start_date=2026-03-01`, {
      headers: null,
    });
    expect(missing.status).toBe(401);
    expect(isErrorBody(missing.body)).toBe(true);
    const onlyDev = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&start_date=2026-03-01`, {
      headers: { 'dev-id': t.devId },
    });
    expect(onlyDev.status).toBe(401);
    expect(onlyDev.body.message).toContain('x-api-key');
    const wrong = await call(t, 'GET', `/v2/activity?user_id=${user.userId}&start_date=2026-03-01`, {
      headers: { 'dev-id': 'nobody', 'x-api-key': t.apiKey },
    });
    expect(wrong.status).toBe(401);
  });

  it('unknown routes answer a JSON 404', async () => {
    const answer = await call(t, 'GET', '/v2/nothing-here');
    expect(answer.status).toBe(404);
    expect(isErrorBody(answer.body)).toBe(true);
  });
});

describe('oversized bodies', () => {
  it('413 with a JSON body on every body-taking route when over TRIBUTARY_MAX_BODY_BYTES', async () => {
    const t = await startTestApp('sqlite', 'too-large', { TRIBUTARY_MAX_BODY_BYTES: '1024' });
    try {
      const big = 'x'.repeat(4096);
      for (const [method, path] of [
        ['POST', '/v2/bulkUserInfo'],
        ['PATCH', '/v2/users/someone'],
        ['POST', '/v2/body?user_id=someone'],
        ['DELETE', '/v2/nutrition?user_id=someone'],
      ]) {
        const answer = await call(t, method!, path!, { rawBody: JSON.stringify({ data: [big] }) });
        expect(answer.status, path).toBe(413);
        expect(answer.body, path).toMatchObject({ status: 'error', code: 'payload_too_large' });
      }
    } finally {
      await t.close();
    }
  });
});
