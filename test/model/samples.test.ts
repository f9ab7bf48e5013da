import { describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../../src/model/data-types.ts';
import { isSampleKey, withoutSamples } from '../../src/model/samples.ts';
import { terraSchemaDocument } from '../../src/model/schemas.ts';
import { DATA_TYPE_SCHEMAS, validateRecord } from '../../src/model/validate.ts';
import { terraFixture } from '../helpers/terra-schema.ts';

const FIXTURES = {
  activity: 'activity.json',
  athlete: 'athlete.json',
  body: 'body.json',
  daily: 'daily.json',
  menstruation: 'menstruation.json',
  nutrition: 'nutrition.json',
  sleep: 'sleep.json',
  planned_workout: 'planned-workout.json',
} as const;

type Schema = Record<string, unknown>;
const defs = terraSchemaDocument().$defs as Record<string, Schema>;

/**
 * Array properties of the data-type schemas whose items are a *Sample schema (time series).
 * Laps (LapSample) and body measurements (MeasurementDataSample) are per-lap / per-weigh-in
 * records that Terra keeps with `with_samples=false`; ECG raw signals sit inside `ecg_signal`.
 */
function sampleArrays(): { owner: string; key: string; items: string }[] {
  const found: { owner: string; key: string; items: string }[] = [];
  for (const [owner, schema] of Object.entries(defs)) {
    for (const [key, prop] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      const items = ((prop.items as Schema | undefined)?.$ref as string | undefined)?.replace('#/$defs/', '');
      if (prop.type === 'array' && items) found.push({ owner, key, items });
    }
  }
  return found;
}

describe('sample series (with_samples=false)', () => {
  it("isSampleKey matches exactly the contract's time-series arrays", () => {
    const kept = new Set(['LapData.laps', 'MeasurementsData.measurements', 'ECGReading.raw_signal']);
    for (const { owner, key, items } of sampleArrays()) {
      const isSeries = /Sample[A-Z]*$/.test(items) || items === 'ECGReading';
      const expected = isSeries && !kept.has(`${owner}.${key}`);
      expect(isSampleKey(key), `${owner}.${key}: ${items}[]`).toBe(expected);
    }
  });

  for (const type of DATA_TYPES) {
    it(`a ${type} record without its samples is still a valid ${DATA_TYPE_SCHEMAS[type]}`, () => {
      const stripped = withoutSamples(terraFixture(FIXTURES[type]));
      expect(validateRecord(type, stripped)).toEqual([]);
      expect(JSON.stringify(stripped)).not.toMatch(/"\w*samples\w*":\[/);
    });
  }
});
