import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fhir } from 'fhir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirDateTime, toFhirBundle } from '../../src/export/fhir/bundle.ts';
import { decodeWorkoutFile } from '../../src/formats/index.ts';
import type { DataType, TerraRecord } from '../../src/model/data-types.ts';
import { normalizeActivity } from '../../src/providers/ifit/ifit-normalize-activity.ts';
import { activityLogSchema, workoutSchema } from '../../src/providers/ifit/ifit-schemas.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { LOCAL_FIXTURES } from './fixtures.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fhir = new Fhir();

/** Every resource, and the Bundle itself, must validate with FHIR.js (R4), unexpected properties being errors. */
function expectValid(bundle: Obj): void {
  const whole = fhir.validate(bundle, { errorOnUnexpected: true });
  expect(
    whole.messages.filter((m) => m.severity === 'error'),
    JSON.stringify(whole.messages.slice(0, 3)),
  ).toEqual([]);
  expect(whole.valid).toBe(true);
  for (const entry of bundle.entry as Obj[]) {
    const result = fhir.validate(entry.resource, { errorOnUnexpected: true });
    expect(result.valid, JSON.stringify(result.messages.filter((m) => m.severity === 'error'))).toBe(true);
    expect(entry.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
}

const observations = (bundle: Obj) =>
  (bundle.entry as Obj[]).map((e) => e.resource).filter((r) => r.resourceType === 'Observation');
const metadata = (record: TerraRecord) => record.metadata as Obj;
const byCode = (bundle: Obj, code: string) => observations(bundle).filter((o) => o.code.coding[0].code === code);

const DAY = {
  start_time: '2026-02-01T00:00:00.000000+01:00',
  end_time: '2026-02-02T00:00:00.000000+01:00',
  timestamp_localization: 1,
};
const RECORDS: Record<string, TerraRecord> = {
  body: {
    metadata: DAY,
    measurements_data: {
      measurements: [
        {
          measurement_time: '2026-02-01T07:10:00.000000+01:00',
          weight_kg: 71.4,
          height_cm: 178,
          BMI: 22.5,
          bodyfat_percentage: 18.2,
        },
      ],
    },
    blood_pressure_data: {
      blood_pressure_samples: [{ timestamp: '2026-02-01T07:12:00.000000+01:00', systolic_bp: 118, diastolic_bp: 76 }],
    },
    temperature_data: {
      body_temperature_samples: [{ timestamp: '2026-02-01T07:15:00.000000+01:00', temperature_celsius: 36.7 }],
    },
    oxygen_data: { saturation_samples: [{ timestamp: '2026-02-01T03:00:00.000000+01:00', percentage: 97, type: 0 }] },
    glucose_data: {
      blood_glucose_samples: [{ timestamp: '2026-02-01T08:00:00.000000+01:00', blood_glucose_mg_per_dL: 92 }],
    },
    heart_data: { heart_rate_data: { summary: { resting_hr_bpm: 52 } } },
  },
  daily: {
    metadata: { ...DAY, upload_type: 1 },
    distance_data: { steps: 10234, distance_meters: 7312.5 },
    calories_data: { total_burned_calories: 2450 },
    heart_rate_data: {
      summary: { resting_hr_bpm: 53, avg_hr_bpm: 68 },
      detailed: { hr_samples: [{ timestamp: '2026-02-01T09:00:00.000000+01:00', bpm: 71 }] },
    },
  },
  sleep: {
    metadata: {
      start_time: '2026-01-31T23:10:00.000000+01:00',
      end_time: '2026-02-01T06:50:00.000000+01:00',
      summary_id: 's-1',
      upload_type: 2,
    },
    sleep_durations_data: {
      asleep: {
        duration_asleep_state_seconds: 25200,
        duration_deep_sleep_state_seconds: 5400,
        duration_light_sleep_state_seconds: 14400,
        duration_REM_sleep_state_seconds: 5400,
      },
    },
    respiration_data: { breaths_data: { avg_breaths_per_min: 14.2 } },
    heart_rate_data: { summary: { avg_hr_bpm: 55 } },
  },
  nutrition: { metadata: DAY, summary: { macros: { calories: 2100, protein_g: 90 } } },
  menstruation: { metadata: DAY, menstruation_data: { period_start_date: '2026-01-28', day_in_cycle: 5 } },
};

describe('FHIR out: R4 Bundles of Observations with LOINC and UCUM', () => {
  it('an uploaded activity (FIT): summary observations, and per-sample heart rate with samples', async () => {
    const decoded = await decodeWorkoutFile(
      readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit')),
      { maxBytes: 1e8 },
    );
    const activity = decoded.parts[0]!.activities[0]!;
    const bundle = toFhirBundle('activity', [activity], 'user-1', { withSamples: true }) as Obj;
    expectValid(bundle);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry[0].resource).toEqual({
      resourceType: 'Patient',
      id: 'user-1',
      identifier: [{ system: 'urn:tributary:user-id', value: 'user-1' }],
    });
    expect(metadata(activity).type).toBe(8); // RUNNING: the generic exercise distance, not walking's
    expect(byCode(bundle, '55430-3')).toEqual([]);
    const distance = byCode(bundle, '55412-1')[0]!;
    expect(distance.code.coding[0].display).toBe('Exercise distance unspecified time');
    expect(distance.valueQuantity).toEqual({ value: 158, unit: 'm', system: 'http://unitsofmeasure.org', code: 'm' });
    expect(distance.subject).toEqual({ reference: 'Patient/user-1' });
    expect(metadata(activity).start_time).toBe('2017-06-11T14:34:09.000000+00:00');
    expect(distance.effectivePeriod).toEqual({
      start: metadata(activity).start_time,
      end: metadata(activity).end_time,
    });
    // The workout's heart rate says it is a mean or a maximum (each also coded as a Heart rate).
    const summary = (activity.heart_rate_data as Obj).summary as Obj;
    const mean = byCode(bundle, '55425-3');
    expect(mean).toHaveLength(1);
    expect(mean[0]!.code.coding.map((c: Obj) => c.code)).toEqual(['55425-3', '8867-4']);
    expect(mean[0]!.valueQuantity.value).toBe(summary.avg_hr_bpm);
    const max = byCode(bundle, '55426-1');
    expect(max).toHaveLength(1);
    expect(max[0]!.code.coding[0].display).toBe('Heart rate unspecified time maximum by Pedometer');
    expect(max[0]!.valueQuantity.value).toBe(summary.max_hr_bpm);
    const hr = byCode(bundle, '8867-4');
    const samples = (activity.heart_rate_data as Obj).detailed.hr_samples as Obj[];
    expect(hr).toHaveLength(samples.length); // one per sample
    expect(hr[0]).toMatchObject({
      effectiveDateTime: samples[0]!.timestamp,
      valueQuantity: { value: samples[0]!.bpm, code: '/min', system: 'http://unitsofmeasure.org' },
    });
    const withoutSamples = toFhirBundle('activity', [activity], 'user-1') as Obj;
    expect(byCode(withoutSamples, '8867-4')).toHaveLength(0);
    expect(byCode(withoutSamples, '55425-3')).toHaveLength(1);
  });

  it('codes a workout distance by its activity type: walking distance for walks and hikes only', () => {
    const workout = (type: number) => ({
      metadata: {
        summary_id: `w${type}`,
        type,
        start_time: DAY.start_time,
        end_time: '2026-02-01T01:00:00.000000+01:00',
      },
      distance_data: { summary: { distance_meters: 1000 } },
    });
    const codeOf = (type: number) => {
      const bundle = toFhirBundle('activity', [workout(type) as unknown as TerraRecord], 'u') as Obj;
      expectValid(bundle);
      const distances = observations(bundle).filter((o) => o.valueQuantity?.code === 'm');
      expect(distances).toHaveLength(1);
      return distances[0]!.code.coding[0].code as string;
    };
    // WALKING 7, HIKING 35, WALKING_TREADMILL 95 → 55430-3; RUNNING 8, BIKING 1, SWIMMING 82, ROWING 53 → 55412-1.
    for (const type of [7, 35, 95]) expect(codeOf(type), `type ${type}`).toBe('55430-3');
    for (const type of [8, 1, 82, 53]) expect(codeOf(type), `type ${type}`).toBe('55412-1');
    // A day's distance covers every kind of movement.
    const daily = toFhirBundle('daily', [RECORDS.daily!], 'u') as Obj;
    expect(byCode(daily, '103208-5')).toHaveLength(1);
    expect(byCode(daily, '55430-3')).toEqual([]);
  });

  it('a provider activity (iFit normalizer)', () => {
    const fixture = (name: string) =>
      JSON.parse(
        readFileSync(new URL(`../../src/providers/ifit/fixtures/${name}`, import.meta.url), 'utf8'),
      ) as unknown;
    const activity = normalizeActivity(
      activityLogSchema.parse(fixture('activity-log-run-route.json')),
      workoutSchema.parse(fixture('workout-route.json')),
    );
    const bundle = toFhirBundle('activity', [activity], 'ifit-user', { withSamples: true }) as Obj;
    expectValid(bundle);
    expect(byCode(bundle, '73985-4')[0]!.valueCodeableConcept).toEqual({ text: 'Lake Bled Loop, Slovenia' });
    expect(byCode(bundle, '55411-3')[0]!.valueQuantity).toMatchObject({ value: 10, code: 'min' });
  });

  it.each(Object.keys(RECORDS))('%s', (type) => {
    const bundle = toFhirBundle(type as DataType, [RECORDS[type]!], '0b9a1c5e-8f0e-4a52-9d1e-6b1f2f7c9e11', {
      withSamples: true,
    }) as Obj;
    expectValid(bundle);
    expect(observations(bundle).length).toBeGreaterThan(0);
    for (const o of observations(bundle)) {
      expect(o.code.coding[0].system).toBe('http://loinc.org');
      if (o.valueQuantity) expect(o.valueQuantity.system).toBe('http://unitsofmeasure.org');
      expect(o.subject.reference).toBe('Patient/0b9a1c5e-8f0e-4a52-9d1e-6b1f2f7c9e11');
    }
  });

  it('maps the body metrics to their LOINC codes with the record times', () => {
    const bundle = toFhirBundle('body', [RECORDS.body!], 'u') as Obj;
    expect(byCode(bundle, '29463-7')[0]).toMatchObject({
      effectiveDateTime: '2026-02-01T07:10:00.000000+01:00',
      valueQuantity: { value: 71.4, code: 'kg' },
    });
    expect(
      byCode(bundle, '85354-9')[0]!.component.map((c: Obj) => [
        c.code.coding[0].code,
        c.valueQuantity.value,
        c.valueQuantity.code,
      ]),
    ).toEqual([
      ['8480-6', 118, 'mm[Hg]'],
      ['8462-4', 76, 'mm[Hg]'],
    ]);
    expect(byCode(bundle, '8310-5')[0]!.valueQuantity).toMatchObject({ value: 36.7, code: 'Cel' });
    expect(byCode(bundle, '2339-0')[0]!.valueQuantity).toMatchObject({ value: 92, code: 'mg/dL' });
    const daily = toFhirBundle('daily', [RECORDS.daily!], 'u') as Obj;
    expect(byCode(daily, '41950-7')[0]).toMatchObject({
      valueQuantity: { value: 10234, code: '{steps}' },
      effectivePeriod: { start: DAY.start_time, end: DAY.end_time },
    });
    const sleep = toFhirBundle('sleep', [RECORDS.sleep!], 'u') as Obj;
    expect(byCode(sleep, '93832-4')[0]!.valueQuantity).toMatchObject({ value: 7, code: 'h' });
    expect(byCode(toFhirBundle('menstruation', [RECORDS.menstruation!], 'u') as Obj, '8665-2')[0]!.valueDateTime).toBe(
      '2026-01-28',
    );
  });

  it('the validator is not a rubber stamp: it rejects a broken Observation', () => {
    const bundle = toFhirBundle('daily', [RECORDS.daily!], 'u') as Obj;
    const broken = structuredClone(observations(bundle)[0]!);
    broken.status = 'done';
    expect(fhir.validate(broken, { errorOnUnexpected: true }).valid).toBe(false);
    delete broken.status;
    expect(fhir.validate(broken, { errorOnUnexpected: true }).valid).toBe(false);
    expect(fhir.validate({ ...observations(bundle)[0]!, valueKg: 1 }, { errorOnUnexpected: true }).valid).toBe(false);
  });

  it('times without an offset become valid FHIR dateTimes; athlete has no mapping', () => {
    expect(fhirDateTime('2026-02-01T07:10:00.000000')).toBe('2026-02-01T07:10:00.000000Z');
    expect(fhirDateTime('2026-02-01T07:10+0100')).toBe('2026-02-01T07:10:00+01:00');
    expect(() => toFhirBundle('athlete', [], 'u')).toThrow(/not available for athlete/);
  });
});

for (const engine of ENGINES) {
  describe(`format=fhir on data reads (${engine})`, () => {
    let t: TestApp;
    let userId: string;
    beforeAll(async () => {
      t = await startTestApp(engine, `fhir-${engine}`);
      const user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
      userId = user.userId;
      for (const [type, record] of Object.entries(RECORDS))
        await t.app.store.records.upsert(t.devId, userId, type as DataType, record);
    });
    afterAll(async () => t?.close());

    const read = (path: string, query: Record<string, string>) =>
      fetch(
        `${t.url}/v2/${path}?${new URLSearchParams({ user_id: userId, start_date: '2026-01-30', end_date: '2026-02-02', to_webhook: 'false', ...query })}`,
        { headers: t.headers },
      );

    it.each(['body', 'daily', 'sleep', 'nutrition', 'menstruation'])(
      'GET /v2/%s?format=fhir answers a valid Bundle',
      async (type) => {
        const response = await read(type, { format: 'fhir' });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
        const bundle = (await response.json()) as Obj;
        expectValid(bundle);
        expect(observations(bundle).length).toBeGreaterThan(0);
      },
    );

    it('athlete has no FHIR mapping and an unknown format is refused, both with 400', async () => {
      const athlete = await fetch(`${t.url}/v2/athlete?user_id=${userId}&to_webhook=false&format=fhir`, {
        headers: t.headers,
      });
      expect(athlete.status).toBe(400);
      expect(await athlete.json()).toMatchObject({ parameter: 'format' });
      const xml = await read('daily', { format: 'xml' });
      expect(xml.status).toBe(400);
      expect(await xml.json()).toMatchObject({ parameter: 'format', message: expect.stringMatching(/json or fhir/) });
    });
  });
}
