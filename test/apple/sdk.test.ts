import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/** Response JSON navigated by the assertions below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const WATCH = {
  source: { name: 'Alex’s Apple Watch', bundle_id: 'com.apple.health.ABC' },
  device: { name: 'Apple Watch', manufacturer: 'Apple Inc.', model: 'Watch', hardware_version: 'Watch6,7' },
};
const PHONE = {
  source: { name: 'Alex’s iPhone', bundle_id: 'com.apple.health.DEF' },
  device: { name: 'iPhone', manufacturer: 'Apple Inc.', model: 'iPhone', hardware_version: 'iPhone14,2' },
};

const steps = (uuid: string, from: string, to: string, value: number, who = WATCH) => ({
  uuid,
  type: 'HKQuantityTypeIdentifierStepCount',
  value,
  unit: 'count',
  start_date: from,
  end_date: to,
  ...who,
});

describe.each(ENGINES)('Apple SDK ingestion (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, `apple-sdk-${engine}`);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = t.headers) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  async function connect(referenceId?: string) {
    const tokenResponse = await fetch(`${t.url}/v2/auth/generateAuthToken`, { method: 'POST', headers: t.headers });
    expect(tokenResponse.status).toBe(200);
    const { token, expires_in, status } = (await tokenResponse.json()) as {
      token: string;
      expires_in: number;
      status: string;
    };
    expect(status).toBe('success');
    expect(expires_in).toBeGreaterThan(0);
    const created = await post('/v2/sdk/users', referenceId ? { reference_id: referenceId } : {}, {
      authorization: `Bearer ${token}`,
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { user_id: string; sdk_secret: string };
    return { token, ...body };
  }

  const upload = (user: { user_id: string; sdk_secret: string }, batch: unknown) =>
    post(`/v2/sdk/users/${user.user_id}/samples`, batch, { authorization: `Bearer ${user.sdk_secret}` });
  const read = async (type: string, userId: string, start = '2024-01-01', end = '2024-01-31') => {
    const response = await fetch(
      `${t.url}/v2/${type}?user_id=${userId}&start_date=${start}&end_date=${end}&to_webhook=false&with_samples=true`,
      { headers: t.headers },
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Json[] }).data;
  };

  it('lists APPLE as an SDK resource', async () => {
    const body = (await (await fetch(`${t.url}/v2/integrations`)).json()) as {
      sdk_resource: string[];
      providers: string[];
    };
    expect(body.sdk_resource).toContain('APPLE');
    expect(body.providers).not.toContain('APPLE');
  });

  it('publishes the batch JSON Schema and documents the SDK operations in OpenAPI', async () => {
    const schema = (await (await fetch(`${t.url}/v2/sdk/batch-schema.json`)).json()) as Json;
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
    expect(Object.keys(schema.properties)).toEqual([
      'batch_id',
      'quantity_samples',
      'category_samples',
      'workouts',
      'activity_summaries',
      'deleted',
    ]);
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as Json;
    expect(doc.paths['/v2/sdk/users/{user_id}/samples'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AppleHealthBatch',
    });
    expect(doc.paths['/v2/sdk/users'].post).toBeDefined();
    expect(doc.paths['/v2/auth/generateAuthToken'].post).toBeDefined();
    expect(doc.components.schemas.AppleHealthBatch.properties.quantity_samples.items.required).toContain('uuid');
  });

  it('connects a phone with a single-use token and announces it with an auth event', async () => {
    const user = await connect('ref-apple-1');
    const again = await post('/v2/sdk/users', {}, { authorization: `Bearer ${user.token}` });
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ status: 'error', code: 'gone' });
    const bogus = await post('/v2/sdk/users', {}, { authorization: 'Bearer nope' });
    expect(bogus.status).toBe(401);
    const missing = await post('/v2/sdk/users', {}, {});
    expect(missing.status).toBe(401);

    const info = await (await fetch(`${t.url}/v2/userInfo?user_id=${user.user_id}`, { headers: t.headers })).json();
    expect(JSON.stringify(info)).toContain('APPLE');
    const events = await t.app.store.events.list(t.devId, { userId: user.user_id, type: 'auth' });
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      type: 'auth',
      status: 'success',
      reference_id: 'ref-apple-1',
      user: { user_id: user.user_id, provider: 'APPLE' },
    });
    // The secret is stored hashed only.
    const row = await (
      await t.sql()
    ).get<{ secret_hash: string }>('SELECT secret_hash FROM apple_sdk_credentials WHERE user_id = ?', [user.user_id]);
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.secret_hash).not.toContain(user.sdk_secret);
  });

  it('rejects a wrong secret and an invalid batch with a clear error', async () => {
    const user = await connect();
    const wrong = await upload({ ...user, sdk_secret: 'wrong' }, {});
    expect(wrong.status).toBe(401);
    const bad = await upload(user, {
      quantity_samples: [
        {
          ...steps('u1', '2024-01-01T08:00:00+01:00', '2024-01-01T08:10:00+01:00', 10),
          start_date: '2024-01-01 08:00',
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_request', parameter: 'quantity_samples[0].start_date' });
    const unit = await upload(user, {
      quantity_samples: [
        {
          ...steps('u1', '2024-01-01T08:00:00+01:00', '2024-01-01T08:10:00+01:00', 10),
          type: 'HKQuantityTypeIdentifierBodyMass',
          unit: 'parsec',
        },
      ],
    });
    expect(unit.status).toBe(400);
    expect(((await unit.json()) as { message: string }).message).toContain('parsec');
    const notJson = await fetch(`${t.url}/v2/sdk/users/${user.user_id}/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.sdk_secret}` },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect(await t.app.store.records.count(t.devId, user.user_id)).toBe(0);
  });

  it('does not double steps counted by both iPhone and Watch, and is idempotent', async () => {
    const user = await connect();
    const batch = {
      batch_id: 'b1',
      quantity_samples: [
        // 08:00-09:00 both devices count the same walk: the Watch wins.
        steps('w1', '2024-01-10T08:00:00+01:00', '2024-01-10T09:00:00+01:00', 1000),
        steps('p1', '2024-01-10T08:00:00+01:00', '2024-01-10T09:00:00+01:00', 1100, PHONE),
        // 12:00-13:00 only the phone (watch charging): counts.
        steps('p2', '2024-01-10T12:00:00+01:00', '2024-01-10T13:00:00+01:00', 500, PHONE),
        // 18:00-19:00 phone sample half covered by a watch sample 18:30-19:00: half counts.
        steps('p3', '2024-01-10T18:00:00+01:00', '2024-01-10T19:00:00+01:00', 600, PHONE),
        steps('w2', '2024-01-10T18:30:00+01:00', '2024-01-10T19:00:00+01:00', 400),
        {
          uuid: 'd1',
          type: 'HKQuantityTypeIdentifierDistanceWalkingRunning',
          value: 1.5,
          unit: 'mi',
          start_date: '2024-01-10T08:00:00+01:00',
          end_date: '2024-01-10T09:00:00+01:00',
          ...WATCH,
        },
        {
          uuid: 'e1',
          type: 'HKQuantityTypeIdentifierActiveEnergyBurned',
          value: 418.4,
          unit: 'kJ',
          start_date: '2024-01-10T08:00:00+01:00',
          end_date: '2024-01-10T09:00:00+01:00',
          ...WATCH,
        },
        {
          uuid: 'h1',
          type: 'HKQuantityTypeIdentifierHeartRate',
          value: 80,
          unit: 'count/min',
          start_date: '2024-01-10T08:05:00+01:00',
          end_date: '2024-01-10T08:05:00+01:00',
          ...WATCH,
        },
        {
          uuid: 'h2',
          type: 'HKQuantityTypeIdentifierHeartRate',
          value: 120,
          unit: 'count/min',
          start_date: '2024-01-10T08:10:00+01:00',
          end_date: '2024-01-10T08:10:00+01:00',
          ...WATCH,
        },
        {
          uuid: 'm1',
          type: 'HKQuantityTypeIdentifierBodyMass',
          value: 176.37,
          unit: 'lb',
          start_date: '2024-01-10T07:00:00+01:00',
          end_date: '2024-01-10T07:00:00+01:00',
          source: { name: 'Withings' },
        },
        {
          uuid: 'n1',
          type: 'HKQuantityTypeIdentifierDietaryEnergyConsumed',
          value: 500,
          unit: 'Cal',
          start_date: '2024-01-10T12:30:00+01:00',
          end_date: '2024-01-10T12:30:00+01:00',
          source: { name: 'MyFitnessPal' },
        },
        {
          uuid: 'n2',
          type: 'HKQuantityTypeIdentifierDietaryProtein',
          value: 30,
          unit: 'g',
          start_date: '2024-01-10T12:30:00+01:00',
          end_date: '2024-01-10T12:30:00+01:00',
          source: { name: 'MyFitnessPal' },
        },
        {
          uuid: 'n3',
          type: 'HKQuantityTypeIdentifierDietaryWater',
          value: 0.5,
          unit: 'L',
          start_date: '2024-01-10T12:30:00+01:00',
          end_date: '2024-01-10T12:30:00+01:00',
          source: { name: 'MyFitnessPal' },
        },
        {
          uuid: 'x1',
          type: 'HKQuantityTypeIdentifierEnvironmentalAudioExposure',
          value: 60,
          unit: 'dBASPL',
          start_date: '2024-01-10T12:30:00+01:00',
          end_date: '2024-01-10T12:30:00+01:00',
          ...WATCH,
        },
      ],
      category_samples: [
        {
          uuid: 's0',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 0,
          start_date: '2024-01-09T23:00:00+01:00',
          end_date: '2024-01-10T07:00:00+01:00',
          ...PHONE,
        },
        {
          uuid: 's1',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 'HKCategoryValueSleepAnalysisAsleepCore',
          start_date: '2024-01-09T23:15:00+01:00',
          end_date: '2024-01-10T01:15:00+01:00',
          ...WATCH,
        },
        {
          uuid: 's2',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 4,
          start_date: '2024-01-10T01:15:00+01:00',
          end_date: '2024-01-10T02:15:00+01:00',
          ...WATCH,
        },
        {
          uuid: 's3',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 5,
          start_date: '2024-01-10T02:15:00+01:00',
          end_date: '2024-01-10T03:15:00+01:00',
          ...WATCH,
        },
        {
          uuid: 's4',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 2,
          start_date: '2024-01-10T03:15:00+01:00',
          end_date: '2024-01-10T03:30:00+01:00',
          ...WATCH,
        },
        {
          uuid: 's5',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 3,
          start_date: '2024-01-10T03:30:00+01:00',
          end_date: '2024-01-10T06:30:00+01:00',
          ...WATCH,
        },
        // A sleep app's overlapping "asleep" sample does not add time on top of the Watch's stages.
        {
          uuid: 's6',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 1,
          start_date: '2024-01-09T23:30:00+01:00',
          end_date: '2024-01-10T06:45:00+01:00',
          source: { name: 'AutoSleep' },
        },
        {
          uuid: 'f1',
          type: 'HKCategoryTypeIdentifierMenstrualFlow',
          value: 3,
          start_date: '2024-01-10T00:00:00+01:00',
          end_date: '2024-01-10T00:00:00+01:00',
          source: { name: 'Health' },
          metadata: { HKMenstrualCycleStart: true },
        },
      ],
      workouts: [
        {
          uuid: 'wk1',
          activity_type: 'HKWorkoutActivityTypeRunning',
          start_date: '2024-01-10T08:00:00+01:00',
          end_date: '2024-01-10T08:45:00+01:00',
          duration: 2400,
          ...WATCH,
          metadata: { HKIndoorWorkout: false, HKElevationAscended: '4180 cm' },
          statistics: [
            { type: 'HKQuantityTypeIdentifierDistanceWalkingRunning', sum: 5, unit: 'km' },
            { type: 'HKQuantityTypeIdentifierActiveEnergyBurned', sum: 350, unit: 'kcal' },
            { type: 'HKQuantityTypeIdentifierHeartRate', average: 150, minimum: 90, maximum: 175, unit: 'count/min' },
          ],
          events: [
            {
              type: 'HKWorkoutEventTypeLap',
              start_date: '2024-01-10T08:00:00+01:00',
              end_date: '2024-01-10T08:20:00+01:00',
            },
          ],
          route: [
            { timestamp: '2024-01-10T08:00:00+01:00', latitude: 52.37, longitude: 4.89, altitude: 2, speed: 3.1 },
            { timestamp: '2024-01-10T08:00:05+01:00', latitude: 52.3701, longitude: 4.8901, altitude: 2.5, speed: 3.2 },
          ],
        },
      ],
      activity_summaries: [
        {
          date: '2024-01-10',
          utc_offset_minutes: 60,
          active_energy_burned: 600,
          apple_exercise_time_minutes: 40,
          apple_stand_hours: 10,
        },
      ],
    };
    const first = await upload(user, batch);
    expect(first.status).toBe(200);
    const result = (await first.json()) as Json;
    expect(result).toMatchObject({ status: 'success', accepted: 21, duplicates: 0, ignored: 1, workouts: 1 });

    const [daily] = await read('daily', user.user_id);
    expect(daily!.metadata.start_time).toBe('2024-01-10T00:00:00.000000+01:00');
    expect(daily!.distance_data.steps).toBe(1000 + 500 + 300 + 400);
    expect(daily!.distance_data.distance_meters).toBeCloseTo(2414.016, 3);
    expect(daily!.calories_data.net_activity_calories).toBeCloseTo(100, 6);
    expect(daily!.heart_rate_data.summary).toMatchObject({ avg_hr_bpm: 100, min_hr_bpm: 80, max_hr_bpm: 120 });
    expect(daily!.heart_rate_data.detailed.hr_samples[0]).toEqual({
      timestamp: '2024-01-10T08:05:00.000000+01:00',
      bpm: 80,
    });
    expect(daily!.active_durations_data).toMatchObject({ activity_seconds: 2400, standing_hours_count: 10 });

    const [body] = await read('body', user.user_id);
    expect(body!.measurements_data.measurements[0].weight_kg).toBeCloseTo(80, 2);
    const [nutrition] = await read('nutrition', user.user_id);
    expect(nutrition!.summary).toEqual({ macros: { calories: 500, protein_g: 30 }, water_ml: 500 });
    const [menstruation] = await read('menstruation', user.user_id);
    expect(menstruation!.menstruation_data).toMatchObject({
      period_start_date: '2024-01-10',
      current_phase: 'menstrual',
      menstruation_flow: [{ flow: 3 }],
    });

    const sleep = await read('sleep', user.user_id, '2024-01-09');
    expect(sleep).toHaveLength(1);
    const durations = sleep[0]!.sleep_durations_data;
    expect(sleep[0]!.metadata).toMatchObject({
      start_time: '2024-01-09T23:00:00.000000+01:00',
      end_time: '2024-01-10T07:00:00.000000+01:00',
      is_nap: false,
    });
    // The Watch's stages cover 23:15-06:30; AutoSleep's 23:30-06:45 "asleep" only adds 06:30-06:45.
    expect(durations.asleep).toEqual({
      duration_asleep_state_seconds: 7 * 3600 + 900,
      duration_light_sleep_state_seconds: 5 * 3600,
      duration_deep_sleep_state_seconds: 3600,
      duration_REM_sleep_state_seconds: 3600,
    });
    expect(durations.awake.duration_awake_state_seconds).toBe(900);
    expect(durations.other.duration_in_bed_seconds).toBe(8 * 3600);

    const [activity] = await read('activity', user.user_id);
    expect(activity!.metadata).toMatchObject({
      type: 8,
      name: 'Running',
      start_time: '2024-01-10T08:00:00.000000+01:00',
    });
    expect(activity!.distance_data.summary).toMatchObject({
      distance_meters: 5000,
      elevation: { gain_actual_meters: 41.8 },
    });
    expect(activity!.calories_data.net_activity_calories).toBe(350);
    expect(activity!.heart_rate_data.summary).toEqual({ avg_hr_bpm: 150, min_hr_bpm: 90, max_hr_bpm: 175 });
    // The Watch's heart-rate samples recorded during the run come with it.
    expect(activity!.heart_rate_data.detailed.hr_samples).toEqual([
      { timestamp: '2024-01-10T08:05:00.000000+01:00', bpm: 80, timer_duration_seconds: 300 },
      { timestamp: '2024-01-10T08:10:00.000000+01:00', bpm: 120, timer_duration_seconds: 600 },
    ]);
    expect(activity!.position_data.position_samples).toHaveLength(2);
    expect(activity!.lap_data.laps).toHaveLength(1);

    const eventsBefore = (await t.app.store.events.list(t.devId, { userId: user.user_id })).length;
    const again = (await (await upload(user, batch)).json()) as Json;
    expect(again).toMatchObject({ accepted: 0, duplicates: 21, events: 0 });
    expect((await t.app.store.events.list(t.devId, { userId: user.user_id })).length).toBe(eventsBefore);
    expect(await t.app.store.records.count(t.devId, user.user_id, 'daily')).toBe(1);
  });

  it('replaces a day’s activity summary as its rings grow (the last of a batch wins)', async () => {
    const user = await connect();
    const rings = (energy: number) => ({
      date: '2024-01-15',
      utc_offset_minutes: 60,
      active_energy_burned: energy,
      apple_exercise_time_minutes: 10,
      apple_stand_hours: 3,
    });
    const first = (await (await upload(user, { activity_summaries: [rings(100), rings(150)] })).json()) as Json;
    expect(first).toMatchObject({ status: 'success', changed: { daily: 1 } });
    expect((await read('daily', user.user_id))[0]!.calories_data.net_activity_calories).toBe(150);
    await upload(user, { activity_summaries: [rings(420)] });
    expect((await read('daily', user.user_id))[0]!.calories_data.net_activity_calories).toBe(420);
    expect(await (await upload(user, { activity_summaries: [rings(420)] })).json()).toMatchObject({
      days_recomputed: 0,
      events: 0,
    });
  });

  it('recomputes days touched by late, out-of-order batches and by deletions', async () => {
    const user = await connect();
    await upload(user, {
      quantity_samples: [steps('a', '2024-01-20T10:00:00-05:00', '2024-01-20T10:30:00-05:00', 300)],
    });
    await upload(user, {
      quantity_samples: [steps('b', '2024-01-21T10:00:00-05:00', '2024-01-21T10:30:00-05:00', 700)],
    });
    // A late batch for the earlier day (the phone was offline).
    const late = (await (
      await upload(user, {
        quantity_samples: [steps('c', '2024-01-20T22:00:00-05:00', '2024-01-20T22:30:00-05:00', 50, PHONE)],
      })
    ).json()) as Json;
    expect(late).toMatchObject({ accepted: 1, days_recomputed: 1, changed: { daily: 1 } });
    let days = await read('daily', user.user_id);
    expect(days.map((d) => [d.metadata.start_time, d.distance_data.steps])).toEqual([
      ['2024-01-20T00:00:00.000000-05:00', 350],
      ['2024-01-21T00:00:00.000000-05:00', 700],
    ]);
    const events = await t.app.store.events.list(t.devId, { userId: user.user_id, type: 'daily' });
    expect(events.at(-1)!.payload).toMatchObject({ type: 'daily', data: [{ distance_data: { steps: 350 } }] });

    await upload(user, { deleted: ['a'] });
    days = await read('daily', user.user_id);
    expect(days.map((d) => d.distance_data.steps)).toEqual([50, 700]);
    await upload(user, { deleted: ['c'] });
    days = await read('daily', user.user_id);
    expect(days.map((d) => d.distance_data.steps)).toEqual([700]);
  });
});
