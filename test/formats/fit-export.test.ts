import { Decoder, Stream } from '@garmin/fitsdk';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeActivitiesFit } from '../../src/export/fit/encode.ts';
import { decodeFit } from '../../src/formats/fit.ts';
import { decodeWorkoutFile } from '../../src/formats/index.ts';
import type { TerraRecord } from '../../src/model/data-types.ts';
import { formatIssues, validateRecord } from '../../src/model/validate.ts';
import { normalizeActivity } from '../../src/providers/ifit/ifit-normalize-activity.ts';
import { activityLogSchema, workoutSchema } from '../../src/providers/ifit/ifit-schemas.ts';
import { expectSameAtFitResolution } from './compare.ts';
import { HAS_SHARED, LOCAL_FIXTURES, SHARED_FIXTURES, listFiles, shortName } from './fixtures.ts';

function writeAndCheck(activities: TerraRecord[]): TerraRecord[] {
  const bytes = Buffer.from(encodeActivitiesFit(activities));
  expect(new Decoder(Stream.fromBuffer(bytes)).checkIntegrity()).toBe(true);
  const { errors, messages } = new Decoder(Stream.fromBuffer(bytes)).read();
  expect(errors).toEqual([]);
  expect(messages.fileIdMesgs?.[0]?.type).toBe('activity');
  expect(messages.sessionMesgs).toHaveLength(activities.length);
  expect(messages.activityMesgs).toHaveLength(1);
  const back = decodeFit(bytes);
  expect(back).toHaveLength(activities.length);
  return back;
}

// Files up to 400 KB: the 0.7-1 MB ones cost seconds each on CI's two cores and add no case
// the smaller ones (multisport, pool swim, chained, developer fields) do not already cover.
const files = [
  ...listFiles(LOCAL_FIXTURES, /\.(fit|tcx|gpx)$/i),
  ...(HAS_SHARED ? listFiles(SHARED_FIXTURES, /\.(fit|tcx|gpx)$/i) : []),
].filter((path) => statSync(path).size <= 400 * 1024);

describe('FIT out for uploaded activities: every importable corpus file round-trips', () => {
  it.each(files.map((f) => [shortName(f), f]))('%s', async (_name, path) => {
    let activities: TerraRecord[];
    try {
      activities = (await decodeWorkoutFile(readFileSync(path), { maxBytes: 50 * 1024 * 1024 })).parts.flatMap(
        (p) => p.activities,
      );
    } catch {
      return; // rejected files are covered by the corpus test
    }
    for (const activity of activities) expect(formatIssues(validateRecord('activity', activity))).toBe('');
    const back = writeAndCheck(activities);
    const sorted = [...activities].sort(
      (a, b) => Date.parse(String(a.metadata!.start_time)) - Date.parse(String(b.metadata!.start_time)),
    );
    sorted.forEach((activity, i) => expectSameAtFitResolution(activity, back[i]!));
  });
});

describe('FIT out for provider activities (the iFit normalizer)', () => {
  const fixture = (name: string) =>
    JSON.parse(readFileSync(new URL(`../../src/providers/ifit/fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
  const cases: [string, string, string | null][] = [
    ['treadmill run on a route', 'activity-log-run-route.json', 'workout-route.json'],
    ['studio bike class', 'activity-log-bike.json', 'workout-studio.json'],
    ['imported log', 'activity-log-imported.json', null],
  ];
  it.each(cases)('%s: passes the integrity check and equals the stored activity', (_label, log, workout) => {
    const activity = normalizeActivity(
      activityLogSchema.parse(fixture(log)),
      workout ? workoutSchema.parse(fixture(workout)) : null,
    );
    const [back] = writeAndCheck([activity]);
    expectSameAtFitResolution(activity, back!);
  });

  it('a synthetic provider activity with sub-second samples, fractional values and no laps', () => {
    const start = Date.parse('2026-03-01T07:00:00.250Z');
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const activity: TerraRecord = {
      metadata: {
        summary_id: 'p-1',
        start_time: at(0),
        end_time: at(120),
        type: 1,
        upload_type: 1,
        timestamp_localization: 0,
      },
      heart_rate_data: {
        summary: { avg_hr_bpm: 131.6, max_hr_bpm: 150 },
        detailed: { hr_samples: [0, 30, 60, 90, 120].map((s, i) => ({ timestamp: at(s), bpm: 120 + i * 7.5 })) },
      },
      power_data: { avg_watts: 201.4, power_samples: [10, 20].map((s) => ({ timestamp: at(s), watts: 200.6 })) },
      movement_data: {
        speed_samples: [0, 60].map((s) => ({ timestamp: at(s), speed_meters_per_second: 8.12345 })),
        cadence_samples: [],
      },
      distance_data: {
        summary: { distance_meters: 975.123 },
        detailed: { distance_samples: [{ timestamp: at(120), distance_meters: 975.123 }], elevation_samples: [] },
      },
      position_data: { position_samples: [{ timestamp: at(0), coords_lat_lng_deg: [46.3625, 14.0938] }] },
    };
    const [back] = writeAndCheck([activity]);
    expectSameAtFitResolution(activity, back!);
    expect((back!.lap_data as { laps: unknown[] }).laps).toHaveLength(1); // FIT requires a lap per session
  });

  it('the comparison is not a rubber stamp: a changed sample is caught', () => {
    const activity = decodeFit(
      readFileSync(new URL('../fixtures/files/fit/python-fitparse/garmin-fenix-5-run.fit', import.meta.url)),
    )[0]!;
    const [back] = writeAndCheck([activity]);
    const altered = structuredClone(back!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    altered.heart_rate_data.detailed.hr_samples[3].bpm += 1;
    expect(() => expectSameAtFitResolution(activity, altered)).toThrow(/bpm at/);
    altered.heart_rate_data.detailed.hr_samples.pop();
    expect(() => expectSameAtFitResolution(activity, altered)).toThrow(/heart_rate_data\.detailed/);
  });

  it('refuses an activity without valid times', () => {
    expect(() => encodeActivitiesFit([{ metadata: { summary_id: 'x' } }])).toThrow(/start_time/);
    expect(() => encodeActivitiesFit([])).toThrow(/no activity/);
  });
});
