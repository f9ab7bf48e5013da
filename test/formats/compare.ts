import { expect } from 'vitest';
import type { TerraRecord } from '../../src/model/data-types.ts';

type Obj = Record<string, unknown>;

function get(record: TerraRecord, path: string[]): unknown {
  let node: unknown = record;
  for (const key of path) node = (node as Obj | undefined)?.[key];
  return node;
}

/** Samples keyed by whole second (FIT's time resolution); the last sample of a second wins, as in the encoder. */
function bySecond(record: TerraRecord, path: string[], field: string): Map<number, unknown> {
  const map = new Map<number, unknown>();
  for (const sample of (get(record, path) as Obj[] | undefined) ?? [])
    map.set(Math.floor(Date.parse(String(sample.timestamp)) / 1000), sample[field]);
  return map;
}

const SERIES: { path: string[]; field: string; tolerance: number; integer?: boolean }[] = [
  { path: ['heart_rate_data', 'detailed', 'hr_samples'], field: 'bpm', tolerance: 0, integer: true },
  { path: ['movement_data', 'cadence_samples'], field: 'cadence_rpm', tolerance: 0, integer: true },
  { path: ['power_data', 'power_samples'], field: 'watts', tolerance: 0, integer: true },
  { path: ['distance_data', 'detailed', 'distance_samples'], field: 'distance_meters', tolerance: 0.0051 }, // cm
  { path: ['movement_data', 'speed_samples'], field: 'speed_meters_per_second', tolerance: 0.00051 }, // mm/s
  { path: ['distance_data', 'detailed', 'elevation_samples'], field: 'elev_meters', tolerance: 0.101 }, // 0.2 m steps
];

/**
 * Asserts that `back` (a FIT file we wrote, decoded again) holds the stored activity's
 * values at FIT's resolution: times to the second, heart rate / cadence / power as
 * integers, distance to the cm, speed to the mm/s, altitude to 0.2 m, positions to a
 * semicircle (~1e-7°). Every stored sample must be present; nothing may be added.
 */
export function expectSameAtFitResolution(stored: TerraRecord, back: TerraRecord): void {
  const sm = stored.metadata as Obj;
  const bm = back.metadata as Obj;
  const second = (iso: unknown) => Math.floor(Date.parse(String(iso)) / 1000);
  expect(second(bm.start_time)).toBe(second(sm.start_time));
  expect(second(bm.end_time)).toBe(second(sm.end_time));
  // Mismatches are collected and asserted once: thousands of expect() calls per file cost more than the check.
  const mismatches: string[] = [];
  for (const { path, field, tolerance, integer } of SERIES) {
    const want = bySecond(stored, path, field);
    const got = bySecond(back, path, field);
    if (got.size !== want.size)
      mismatches.push(`${path.join('.')}: ${got.size} samples written back, ${want.size} stored`);
    for (const [t, value] of want) {
      const mine = got.get(t) as number | undefined;
      const expected = integer ? Math.round(value as number) : (value as number);
      if (mine === undefined || !(Math.abs(mine - expected) <= tolerance))
        mismatches.push(`${field} at ${new Date(t * 1000).toISOString()}: ${mine} vs ${expected}`);
    }
  }
  const positions = bySecond(stored, ['position_data', 'position_samples'], 'coords_lat_lng_deg');
  const backPositions = bySecond(back, ['position_data', 'position_samples'], 'coords_lat_lng_deg');
  if (backPositions.size !== positions.size)
    mismatches.push(`positions: ${backPositions.size} written back, ${positions.size} stored`);
  for (const [t, coords] of positions) {
    const [lat, lng] = coords as number[];
    const [bLat, bLng] = (backPositions.get(t) as number[] | undefined) ?? [];
    if (!(Math.abs(bLat! - lat!) < 1e-7 && Math.abs(bLng! - lng!) < 1e-7))
      mismatches.push(`position at ${new Date(t * 1000).toISOString()}: ${bLat},${bLng} vs ${lat},${lng}`);
  }
  expect(mismatches.slice(0, 10).join('\n')).toBe('');
  const summaryDistance = get(stored, ['distance_data', 'summary', 'distance_meters']);
  if (typeof summaryDistance === 'number')
    expect(get(back, ['distance_data', 'summary', 'distance_meters'])).toBe(Math.round(summaryDistance));
  const calories = get(stored, ['calories_data', 'total_burned_calories']);
  if (typeof calories === 'number')
    expect(get(back, ['calories_data', 'total_burned_calories'])).toBe(Math.round(calories));
  for (const key of ['avg_hr_bpm', 'max_hr_bpm']) {
    const value = get(stored, ['heart_rate_data', 'summary', key]);
    if (typeof value === 'number') expect(get(back, ['heart_rate_data', 'summary', key])).toBe(Math.round(value));
  }
  // FIT has no "unknown" sport: an activity of unknown type (4) comes back as generic, i.e. OTHER (108).
  expect(bm.type).toBe(sm.type === 4 ? 108 : sm.type);
  const laps = (get(stored, ['lap_data', 'laps']) as Obj[] | undefined) ?? [];
  if (laps.length > 0) {
    const backLaps = get(back, ['lap_data', 'laps']) as Obj[];
    expect(backLaps).toHaveLength(laps.length);
    laps.forEach((lap, i) => {
      expect(second(backLaps[i]!.start_time)).toBe(second(lap.start_time));
      if (typeof lap.distance_meters === 'number')
        expect(backLaps[i]!.distance_meters as number).toBeCloseTo(lap.distance_meters, 2);
      if (typeof lap.avg_hr_bpm === 'number') expect(backLaps[i]!.avg_hr_bpm).toBe(Math.round(lap.avg_hr_bpm));
    });
  }
}
