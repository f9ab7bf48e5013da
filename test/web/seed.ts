import { storeRecords } from '../../src/ingest/store-records.ts';
import type { TestApp } from '../helpers/harness.ts';
import { activity } from '../api/records.ts';
import type { User } from '../../src/store/store.ts';

const DAY_MS = 86_400_000;

/** A connected user with a handful of runs over the last two weeks (ISO starts at 07:00 UTC). */
export async function seedRunner(t: TestApp, referenceId: string, provider = 'GARMIN') {
  const user = await t.app.store.users.create(t.devId, {
    provider,
    referenceId,
    state: 'connected',
    scopes: 'ACTIVITY_EXPORT',
  });
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const runs = [1, 2, 4, 5, 7, 9, 12].map((daysAgo, index) => {
    const start = new Date(today - daysAgo * DAY_MS + 7 * 3_600_000).toISOString();
    const run = activity(`run-${referenceId}-${index}`, start, 25 + index * 7);
    run.distance_data.summary.distance_meters = 4000 + index * 1300;
    return run;
  });
  await storeRecords(t.app.store, { user, type: 'activity', records: runs });
  t.app.context.eventsCommitted.notify();
  return user;
}

/**
 * Two years ago, a ride with an hour of 1 Hz samples (HR, speed, power, cadence, elevation,
 * 3,600 positions on a loop), three laps and its raw provider payload; plus a night of sleep
 * with a hypnogram and a daily record, for the data explorer.
 */
export async function seedExplorer(t: TestApp, user: User) {
  const start = Date.UTC(new Date().getUTCFullYear() - 2, 4, 12, 6, 0, 0);
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const seconds = Array.from({ length: 3600 }, (_, s) => s);
  const ride = {
    metadata: {
      summary_id: 'ride-two-years-ago',
      name: 'Old ride',
      start_time: at(0),
      end_time: at(3600),
      type: 1,
      upload_type: 1,
    },
    distance_data: {
      summary: { distance_meters: 30_000 },
      detailed: {
        elevation_samples: seconds.map((s) => ({ timestamp: at(s), elev_meters: 100 + 20 * Math.sin(s / 300) })),
      },
    },
    heart_rate_data: {
      summary: { avg_hr_bpm: 142 },
      detailed: { hr_samples: seconds.map((s) => ({ timestamp: at(s), bpm: 120 + 30 * Math.sin(s / 200) })) },
    },
    movement_data: {
      speed_samples: seconds.map((s) => ({ timestamp: at(s), speed_meters_per_second: 8 + Math.sin(s / 50) })),
      cadence_samples: seconds.map((s) => ({ timestamp: at(s), cadence_rpm: 85 + (s % 7) })),
    },
    power_data: { power_samples: seconds.map((s) => ({ timestamp: at(s), watts: 200 + 50 * Math.cos(s / 100) })) },
    position_data: {
      position_samples: seconds.map((s) => ({
        timestamp: at(s),
        coords_lat_lng_deg: [
          48.85 + 0.02 * Math.sin((2 * Math.PI * s) / 3600),
          2.35 + 0.03 * Math.cos((2 * Math.PI * s) / 3600),
        ],
      })),
    },
    lap_data: {
      laps: [0, 1, 2].map((i) => ({
        start_time: at(i * 1200),
        end_time: at((i + 1) * 1200),
        distance_meters: 10_000,
        avg_hr_bpm: 140 + i,
        avg_speed_meters_per_second: 8.3,
      })),
    },
  };
  await storeRecords(t.app.store, {
    user,
    type: 'activity',
    raw: {
      provider: user.provider,
      dataType: 'activity',
      externalId: 'provider-log-77',
      contentType: 'application/json',
      body: JSON.stringify({ providerLogId: 77, note: 'verbatim provider payload' }),
    },
    records: [ride],
  });
  const night = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 2 * DAY_MS;
  const nightAt = (min: number) => new Date(night - 2 * 3_600_000 + min * 60_000).toISOString();
  const levels = [1, 4, 5, 4, 6, 4, 5, 6, 1];
  await storeRecords(t.app.store, {
    user,
    type: 'sleep',
    records: [
      {
        metadata: {
          summary_id: 'night-1',
          start_time: nightAt(0),
          end_time: nightAt(levels.length * 50),
          upload_type: 1,
        },
        sleep_durations_data: {
          asleep: { duration_asleep_state_seconds: 6 * 3600, duration_deep_sleep_state_seconds: 5400 },
          hypnogram_samples: levels.map((level, i) => ({ timestamp: nightAt(i * 50), level })),
        },
        heart_rate_data: {
          detailed: {
            hr_samples: levels.map((_, i) => ({ timestamp: nightAt(i * 50), bpm: 55 + i })),
            hrv_samples_rmssd: levels.map((_, i) => ({ timestamp: nightAt(i * 50), hrv_rmssd: 40 + i })),
          },
        },
      },
    ],
  });
  t.app.context.eventsCommitted.notify();
}

/**
 * Days of daily, body, nutrition and menstruation records for the explorer's other tabs: the
 * last three days, plus one day 400 days ago (listed only for a range that reaches it). Each
 * daily record has 24 hourly heart-rate and step samples; each body record blood pressure and
 * glucose samples.
 */
export async function seedDays(t: TestApp, user: User) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const days = [400, 3, 2, 1].map((daysAgo) => today - daysAgo * DAY_MS);
  const iso = (ms: number) => new Date(ms).toISOString();
  const metadata = (day: number) => ({ start_time: iso(day), end_time: iso(day + DAY_MS - 1000), upload_type: 1 });
  const hours = (day: number) => Array.from({ length: 24 }, (_, h) => iso(day + h * 3_600_000));
  const records = (make: (day: number, i: number) => Record<string, unknown>) => days.map(make);
  await storeRecords(t.app.store, {
    user,
    type: 'daily',
    records: records((day, i) => ({
      metadata: metadata(day),
      distance_data: {
        steps: 8000 + i * 1000,
        detailed: { step_samples: hours(day).map((timestamp, h) => ({ timestamp, steps: h * 40 })) },
      },
      calories_data: { total_burned_calories: 2200 + i * 50 },
      heart_rate_data: {
        summary: { avg_hr_bpm: 70 + i, resting_hr_bpm: 55 + i },
        detailed: { hr_samples: hours(day).map((timestamp, h) => ({ timestamp, bpm: 60 + (h % 12) })) },
      },
      scores: { recovery: 60 + i },
    })),
  });
  await storeRecords(t.app.store, {
    user,
    type: 'body',
    records: records((day, i) => ({
      metadata: metadata(day),
      measurements_data: {
        measurements: [{ measurement_time: iso(day + 7 * 3_600_000), weight_kg: 71 - i * 0.4, bodyfat_percentage: 18 }],
      },
      blood_pressure_data: {
        blood_pressure_samples: [8, 20].map((h) => ({
          timestamp: iso(day + h * 3_600_000),
          systolic_bp: 118 + h,
          diastolic_bp: 76 + h / 4,
        })),
      },
      glucose_data: {
        blood_glucose_samples: [7, 12, 19].map((h) => ({
          timestamp: iso(day + h * 3_600_000),
          blood_glucose_mg_per_dL: 90 + h,
        })),
      },
    })),
  });
  await storeRecords(t.app.store, {
    user,
    type: 'nutrition',
    records: records((day, i) => ({
      metadata: metadata(day),
      summary: { macros: { calories: 2100 + i * 30, protein_g: 90 + i, carbohydrates_g: 250, fat_g: 70 } },
    })),
  });
  await storeRecords(t.app.store, {
    user,
    type: 'menstruation',
    records: records((day, i) => ({
      metadata: metadata(day),
      menstruation_data: {
        day_in_cycle: 10 + i,
        cycle_length_days: 28,
        period_length_days: 5,
        current_phase: 'follicular',
        menstruation_flow: [{ timestamp: iso(day + 8 * 3_600_000), flow: 'LIGHT' }],
      },
    })),
  });
  t.app.context.eventsCommitted.notify();
}
