import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../src/model/validate.ts';
import { activityType, normalizeActivity } from '../../src/providers/ifit/ifit-normalize-activity.ts';
import { activityLogSchema, workoutSchema } from '../../src/providers/ifit/ifit-schemas.ts';
import {
  generateActivityLog,
  generateLibraryWorkout,
  seededRandom,
  WORKOUT_TYPES,
} from '../emulators/ifit/generate.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every kind of workout the emulator generates normalizes into a valid Terra Activity. */
describe('emulator workouts of every type → Terra Activity', () => {
  const random = seededRandom(2026);
  const start = Date.UTC(2026, 5, 1, 6, 30);

  it.each(
    WORKOUT_TYPES.flatMap(
      (type) =>
        [
          [type, 'strap'],
          [type, 'no strap'],
          [type, 'imported'],
        ] as const,
    ),
  )('%s (%s)', (type, variant) => {
    const library = variant === 'imported' ? null : generateLibraryWorkout(random, type, 12_000);
    const raw = generateActivityLog(random, {
      userId: 'u',
      type,
      start,
      workout: library,
      noStrap: variant === 'no strap',
      imported: variant === 'imported',
    });
    // Through JSON, as it travels: the schemas must accept the emulator's payloads.
    const log = activityLogSchema.parse(JSON.parse(JSON.stringify(raw)));
    const workout = library ? workoutSchema.parse(JSON.parse(JSON.stringify(library))) : undefined;
    const activity = normalizeActivity(log, workout) as Json;
    expect(validateRecord('activity', activity)).toEqual([]);
    expect(activity.metadata.type).toBe(activityType(type));
    expect(activity.metadata.upload_type).toBe(variant === 'imported' ? 6 : 1);
    expect(Boolean(activity.heart_rate_data)).toBe(variant === 'strap');
    expect(Boolean(activity.position_data)).toBe(
      variant !== 'imported' && library!.has_geo_data && (raw.stats.meters?.length ?? 0) > 0,
    );
    if (activity.position_data) {
      // Positions follow the log's distance along the route: all inside the route's box.
      const route = library!.geo!.path.coordinates;
      const lats = route.map((c) => c[1]!);
      for (const sample of activity.position_data.position_samples) {
        expect(sample.coords_lat_lng_deg[0]).toBeGreaterThanOrEqual(Math.min(...lats) - 1e-9);
        expect(sample.coords_lat_lng_deg[0]).toBeLessThanOrEqual(Math.max(...lats) + 1e-9);
      }
    }
  });
});
