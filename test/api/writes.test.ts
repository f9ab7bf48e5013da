import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { User } from '../../src/store/store.ts';
import { call, isErrorBody } from './client.ts';
import { activity, body, nutrition, plannedWorkout } from './records.ts';

describe.each(ENGINES)('writes and deletes (%s)', (engine) => {
  let t: TestApp;
  let user: User;
  let foreign: User;

  beforeAll(async () => {
    t = await startTestApp(engine, `writes-${engine}`, { TRIBUTARY_MAX_BODY_BYTES: String(256 * 1024) });
    user = await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'w', state: 'connected' });
    const other = await t.otherDeveloper();
    foreign = await t.app.store.users.create(other.devId, { provider: 'IFIT', state: 'connected' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const q = (userId = user.userId) => `?user_id=${encodeURIComponent(userId)}`;

  it('POST /v2/activity stores the records, answers 201 {user, log_ids, message} in posted order, and emits one data event', async () => {
    let woken = 0;
    const unsubscribe = t.app.context.eventsCommitted.subscribe(() => woken++);
    onTestFinished(() => void unsubscribe());
    const posted = [activity('act-b', '2026-03-02T08:00:00.000Z'), activity('act-a', '2026-03-01T08:00:00.000Z')];
    const { status, body: answer } = await call(t, 'POST', `/v2/activity${q()}`, { body: { data: posted } });
    expect(status).toBe(201);
    expect(answer.log_ids).toEqual(['act-b', 'act-a']);
    expect(answer.user).toMatchObject({ user_id: user.userId, provider: 'IFIT', reference_id: 'w' });
    expect(answer.user.last_webhook_update).toEqual(expect.any(String));
    expect(typeof answer.message).toBe('string');

    const read = await call(
      t,
      'GET',
      `/v2/activity${q()}&start_date=2026-03-01&end_date=2026-03-02&to_webhook=false&with_samples=true`,
    );
    expect(read.body.data).toEqual([posted[1], posted[0]]);

    expect(woken).toBeGreaterThanOrEqual(1);
    const events = await t.app.store.events.list(t.devId, { userId: user.userId, type: 'activity' });
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ type: 'activity', user: { user_id: user.userId }, data: posted });
  });

  it('posting the same activity again updates it in place and emits no event when nothing changed', async () => {
    const again = activity('act-a', '2026-03-01T08:00:00.000Z');
    const before = (await t.app.store.events.list(t.devId, { userId: user.userId })).length;
    expect((await call(t, 'POST', `/v2/activity${q()}`, { body: { data: [again] } })).status).toBe(201);
    expect((await t.app.store.events.list(t.devId, { userId: user.userId })).length).toBe(before);
    const changed = { ...again, metadata: { ...again.metadata, name: 'Renamed' } };
    expect((await call(t, 'POST', `/v2/activity${q()}`, { body: { data: [changed] } })).body.log_ids).toEqual([
      'act-a',
    ]);
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(2);
    expect((await t.app.store.records.get(t.devId, user.userId, 'activity', 'act-a'))?.metadata?.name).toBe('Renamed');
    expect((await t.app.store.events.list(t.devId, { userId: user.userId })).length).toBe(before + 1);
  });

  it('POST /v2/body, /v2/nutrition, /v2/plannedWorkout use their natural keys as log_ids', async () => {
    const bodies = await call(t, 'POST', `/v2/body${q()}`, {
      body: { data: [body('2026-04-02'), body('2026-04-01', 71)] },
    });
    expect(bodies.status).toBe(201);
    expect(bodies.body.log_ids).toEqual(['2026-04-02', '2026-04-01']);
    const meals = await call(t, 'POST', `/v2/nutrition${q()}`, {
      body: { data: [nutrition('2026-04-01'), nutrition('2026-04-02'), nutrition('2026-04-03')] },
    });
    expect(meals.body.log_ids).toEqual(['2026-04-01', '2026-04-02', '2026-04-03']);
    const plans = await call(t, 'POST', `/v2/plannedWorkout${q()}`, {
      body: { data: [plannedWorkout('pw-1', '2026-05-01T00:00:00Z'), plannedWorkout('pw-2', '2026-05-02T00:00:00Z')] },
    });
    expect(plans.status).toBe(201);
    expect(plans.body.log_ids).toEqual(['pw-1', 'pw-2']);
    const read = await call(
      t,
      'GET',
      `/v2/plannedWorkout${q()}&start_date=2026-05-01&end_date=2026-05-31&to_webhook=false`,
    );
    expect(read.body.data.map((p: { metadata: { id: string } }) => p.metadata.id)).toEqual(['pw-1', 'pw-2']);
  });

  it('DELETE /v2/body with {log_ids}: 200 when all existed, 207 with per-id codes when some did not', async () => {
    await call(t, 'POST', `/v2/body${q()}`, {
      body: { data: [body('2026-06-01'), body('2026-06-02'), body('2026-06-03')] },
    });
    const all = await call(t, 'DELETE', `/v2/body${q()}`, { body: { log_ids: ['2026-06-01'] } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      user: { user_id: user.userId },
      processed_data: [{ id: '2026-06-01', response_code: 200 }],
    });
    const mixed = await call(t, 'DELETE', `/v2/body${q()}`, {
      body: { log_ids: ['2026-06-02', '2026-06-01', 'nope'] },
    });
    expect(mixed.status).toBe(207);
    expect(mixed.body.processed_data).toEqual([
      { id: '2026-06-02', response_code: 200 },
      { id: '2026-06-01', response_code: 404 },
      { id: 'nope', response_code: 404 },
    ]);
    expect(await t.app.store.records.get(t.devId, user.userId, 'body', '2026-06-03')).toBeDefined();
    expect(await t.app.store.records.get(t.devId, user.userId, 'body', '2026-06-02')).toBeUndefined();
  });

  it('DELETE /v2/nutrition and /v2/plannedWorkout take the ids in {data}', async () => {
    const meals = await call(t, 'DELETE', `/v2/nutrition${q()}`, { body: { data: ['2026-04-03'] } });
    expect(meals.status).toBe(200);
    expect(meals.body.processed_data).toEqual([{ id: '2026-04-03', response_code: 200 }]);
    const plans = await call(t, 'DELETE', `/v2/plannedWorkout${q()}`, { body: { data: ['pw-2', 'pw-9'] } });
    expect(plans.status).toBe(207);
    expect(plans.body.processed_data).toEqual([
      { id: 'pw-2', response_code: 200 },
      { id: 'pw-9', response_code: 404 },
    ]);
    // The wrong field name is a 400, not a silent no-op.
    const wrongField = await call(t, 'DELETE', `/v2/nutrition${q()}`, { body: { log_ids: ['2026-04-02'] } });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.parameter).toBe('data');
  });

  it('400 naming the parameter for bad input, and nothing is stored', async () => {
    const before = await t.app.store.records.count(t.devId, user.userId);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v2/activity', { data: [activity('x', '2026-01-01T00:00:00Z')] }, 'user_id'],
      ['POST', `/v2/activity${q()}`, { records: [] }, 'data'],
      ['POST', `/v2/activity${q()}`, [activity('x', '2026-01-01T00:00:00Z')], 'data'],
      [
        'POST',
        `/v2/activity${q()}`,
        {
          data: [
            activity('ok', '2026-01-01T00:00:00Z'),
            {
              metadata: {
                start_time: '2026-01-01T00:00:00Z',
                end_time: '2026-01-01T01:00:00Z',
                type: 8,
                upload_type: 1,
              },
            },
          ],
        },
        'data[1].metadata.summary_id',
      ],
      // Terra's JSON Schema: ActivityMetadata.type is an ActivityType code, not a name.
      [
        'POST',
        `/v2/activity${q()}`,
        {
          data: [
            {
              ...activity('t', '2026-01-01T00:00:00Z'),
              metadata: { ...activity('t', '2026-01-01T00:00:00Z').metadata, type: 'running' },
            },
          ],
        },
        'data[0].metadata.type',
      ],
      [
        'POST',
        `/v2/activity${q()}`,
        { data: [{ ...activity('u', '2026-01-01T00:00:00Z'), heart_rate_data: { summary: { avg_hr_bpm: 'fast' } } }] },
        'data[0].heart_rate_data.summary.avg_hr_bpm',
      ],
      [
        'POST',
        `/v2/activity${q()}`,
        {
          data: [
            {
              ...activity('y', '2026-01-01T00:00:00Z'),
              metadata: { ...activity('y', '2026-01-01T00:00:00Z').metadata, start_time: 'yesterday' },
            },
          ],
        },
        'data[0].metadata.start_time',
      ],
      ['POST', `/v2/activity${q()}`, { data: ['not an object'] }, 'data[0]'],
      [
        'POST',
        `/v2/body${q()}`,
        { data: [{ metadata: { start_time: 'soon', end_time: '2026-01-02T00:00:00Z' } }] },
        'data[0].metadata.start_time',
      ],
      ['POST', `/v2/plannedWorkout${q()}`, { data: [{ metadata: { name: 'no id' } }] }, 'data[0].metadata.id'],
      [
        'POST',
        `/v2/plannedWorkout${q()}`,
        { data: [{ metadata: { id: 'undated', name: 'no date' } }] },
        'data[0].metadata.planned_date',
      ],
      ['POST', `/v2/nutrition${q()}`, { data: [{ summary: {} }] }, 'data[0].metadata'],
      ['DELETE', '/v2/body', { log_ids: ['2026-06-03'] }, 'user_id'],
      ['DELETE', `/v2/body${q()}`, { log_ids: [] }, 'log_ids'],
      ['DELETE', `/v2/body${q()}`, { log_ids: [5] }, 'log_ids[0]'],
      ['DELETE', `/v2/plannedWorkout${q()}`, {}, 'data'],
    ];
    for (const [method, path, payload, parameter] of cases) {
      const answer = await call(t, method, path, { body: payload });
      expect(answer.status, `${method} ${path} ${JSON.stringify(payload)}`).toBe(400);
      expect(answer.body.parameter, `${method} ${path}`).toBe(parameter);
      expect(isErrorBody(answer.body)).toBe(true);
    }
    const notJson = await call(t, 'POST', `/v2/activity${q()}`, { rawBody: '{"data": [' });
    expect(notJson.status).toBe(400);
    expect(isErrorBody(notJson.body)).toBe(true);
    expect(await t.app.store.records.count(t.devId, user.userId)).toBe(before);
  });

  it('404 for an unknown user and for another developer’s user; nothing written to them', async () => {
    for (const id of ['nobody', foreign.userId]) {
      const write = await call(t, 'POST', `/v2/activity${q(id)}`, {
        body: { data: [activity('z', '2026-01-01T00:00:00Z')] },
      });
      expect(write.status).toBe(404);
      expect(isErrorBody(write.body)).toBe(true);
      expect((await call(t, 'DELETE', `/v2/body${q(id)}`, { body: { log_ids: ['2026-06-03'] } })).status).toBe(404);
    }
    expect(await t.app.store.records.count(foreign.devId, foreign.userId)).toBe(0);
  });

  it('401 without keys or with a wrong key', async () => {
    const payload = { data: [activity('k', '2026-01-01T00:00:00Z')] };
    expect((await call(t, 'POST', `/v2/activity${q()}`, { body: payload, headers: null })).status).toBe(401);
    expect(
      (
        await call(t, 'POST', `/v2/activity${q()}`, {
          body: payload,
          headers: { 'dev-id': t.devId, 'x-api-key': 'nope' },
        })
      ).status,
    ).toBe(401);
    expect((await call(t, 'DELETE', `/v2/body${q()}`, { body: { log_ids: ['x'] }, headers: null })).status).toBe(401);
  });

  it('413 with a JSON body for a body over TRIBUTARY_MAX_BODY_BYTES; nothing stored', async () => {
    const before = await t.app.store.records.count(t.devId, user.userId);
    const huge = { data: [{ ...activity('huge', '2026-01-01T00:00:00Z'), padding: 'x'.repeat(300 * 1024) }] };
    const answer = await call(t, 'POST', `/v2/activity${q()}`, { body: huge });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 'error', code: 'payload_too_large' });
    expect(await t.app.store.records.count(t.devId, user.userId)).toBe(before);
  });
});
