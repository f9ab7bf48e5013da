import type { TerraRecord } from '../../../model/data-types.ts';
import { HK } from '../hk-types.ts';
import type { SampleRow } from '../samples.ts';
import { average, compact, dayMetadata, ofType, round, timestamp } from './common.ts';

/** Measurement types → MeasurementDataSample field, with the factor from the canonical unit. */
const MEASUREMENTS: Readonly<Record<string, { field: string; factor: number }>> = {
  [`${HK}BodyMass`]: { field: 'weight_kg', factor: 1 },
  [`${HK}Height`]: { field: 'height_cm', factor: 100 },
  [`${HK}BodyMassIndex`]: { field: 'BMI', factor: 1 },
  [`${HK}BodyFatPercentage`]: { field: 'bodyfat_percentage', factor: 1 },
  [`${HK}LeanBodyMass`]: { field: 'lean_mass_g', factor: 1000 },
};
const SYSTOLIC = `${HK}BloodPressureSystolic`;
const DIASTOLIC = `${HK}BloodPressureDiastolic`;
const BODY_TYPES = new Set([
  ...Object.keys(MEASUREMENTS),
  SYSTOLIC,
  DIASTOLIC,
  `${HK}BodyTemperature`,
  `${HK}BloodGlucose`,
  `${HK}OxygenSaturation`,
]);

/**
 * Terra Body for one local date. Measurements taken at the same instant (a smart scale
 * writing weight, BMI and body fat together) become one MeasurementDataSample; blood
 * pressure pairs systolic and diastolic by instant.
 */
export function normalizeBody(date: string, rows: readonly SampleRow[]): TerraRecord | undefined {
  const day = rows.filter((row) => BODY_TYPES.has(row.type) && row.value !== null);
  if (day.length === 0) return undefined;
  const measurements = new Map<number, Record<string, unknown>>();
  for (const row of [...day].sort((a, b) => a.startMs - b.startMs)) {
    const info = MEASUREMENTS[row.type];
    if (!info) continue;
    const sample = measurements.get(row.startMs) ?? { measurement_time: timestamp(row) };
    sample[info.field] = round(row.value! * info.factor, 6);
    measurements.set(row.startMs, sample);
  }
  const pressures = new Map<number, Record<string, unknown>>();
  for (const row of [...ofType(day, SYSTOLIC), ...ofType(day, DIASTOLIC)]) {
    const sample = pressures.get(row.startMs) ?? { timestamp: timestamp(row) };
    sample[row.type === SYSTOLIC ? 'systolic_bp' : 'diastolic_bp'] = round(row.value!, 3);
    pressures.set(row.startMs, sample);
  }
  const temperature = ofType(day, `${HK}BodyTemperature`);
  const glucose = ofType(day, `${HK}BloodGlucose`);
  const spo2 = ofType(day, `${HK}OxygenSaturation`);
  return {
    metadata: dayMetadata(date, day),
    measurements_data: compact({ measurements: [...measurements.values()] }),
    blood_pressure_data: compact({
      blood_pressure_samples: [...pressures.entries()].sort(([a], [b]) => a - b).map(([, s]) => s),
    }),
    temperature_data: compact({
      body_temperature_samples: temperature.map((row) => ({
        timestamp: timestamp(row),
        temperature_celsius: round(row.value!, 3),
      })),
    }),
    glucose_data: compact({
      blood_glucose_samples: glucose.map((row) => ({
        timestamp: timestamp(row),
        blood_glucose_mg_per_dL: round(row.value!, 2),
      })),
      day_avg_blood_glucose_mg_per_dL: glucose.length
        ? round(average(glucose.map((row) => row.value!))!, 2)
        : undefined,
    }),
    oxygen_data: compact({
      saturation_samples: spo2.map((row) => ({ timestamp: timestamp(row), percentage: round(row.value!, 3), type: 0 })),
      avg_saturation_percentage: spo2.length ? round(average(spo2.map((row) => row.value!))!, 3) : undefined,
    }),
  };
}
