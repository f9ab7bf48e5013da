/**
 * Realistic Oura API v2 documents (shapes and units of ../shared/research/providers.md §2.2),
 * generated from a seed. Local times carry the account's UTC offset, as Oura's do.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const between = (random: Random, low: number, high: number) => Math.round(low + random() * (high - low));
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

/** `2024-03-02T01:05:00+01:00` for an instant and an offset in minutes. */
export function localIso(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface GeneratedDay {
  day: string;
  documents: Record<string, Record<string, unknown>[]>;
  heartrate: Record<string, unknown>[];
}

/** One day of an Oura user: a night's sleep ending that morning, daily documents, heart rate every 5 min, sometimes a workout. */
export function generateDay(random: Random, day: string, offsetMinutes: number, index: number): GeneratedDay {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`) - offsetMinutes * 60_000; // local midnight
  const bedtime = midnightUtc - between(random, 30, 120) * 60_000;
  const inBed = between(random, 6 * 3600, 9 * 3600);
  const awake = between(random, 1200, 4800);
  const deep = between(random, 3000, 6000);
  const rem = between(random, 4000, 7000);
  const light = inBed - awake - deep - rem;
  const phases = Array.from({ length: Math.floor(inBed / 300) }, (_, i) =>
    i < 2 ? '4' : pick(random, ['1', '2', '2', '3', '4']),
  ).join('');
  const hr = Array.from({ length: Math.floor(inBed / 300) }, (_, i) => (i === 0 ? null : between(random, 46, 62)));
  const hrv = Array.from({ length: Math.floor(inBed / 300) }, (_, i) => (i === 0 ? null : between(random, 30, 120)));
  const sleepStart = localIso(bedtime, offsetMinutes);
  const readinessScore = between(random, 55, 95);
  const sleep = {
    id: `sleep-${day}`,
    day,
    type: 'long_sleep',
    bedtime_start: sleepStart,
    bedtime_end: localIso(bedtime + inBed * 1000, offsetMinutes),
    time_in_bed: inBed,
    total_sleep_duration: inBed - awake,
    awake_time: awake,
    deep_sleep_duration: deep,
    light_sleep_duration: light,
    rem_sleep_duration: rem,
    latency: between(random, 120, 1200),
    efficiency: Math.round(((inBed - awake) / inBed) * 100),
    average_breath: Math.round((13 + random() * 3) * 1000) / 1000,
    average_heart_rate: Math.round((50 + random() * 8) * 100) / 100,
    lowest_heart_rate: between(random, 42, 50),
    average_hrv: between(random, 40, 110),
    heart_rate: { interval: 300, items: hr, timestamp: `${sleepStart.slice(0, 19)}.000${sleepStart.slice(19)}` },
    hrv: { interval: 300, items: hrv, timestamp: `${sleepStart.slice(0, 19)}.000${sleepStart.slice(19)}` },
    sleep_phase_5_min: phases,
    movement_30_sec: Array.from({ length: Math.floor(inBed / 30) }, () => pick(random, ['1', '1', '2', '3'])).join(''),
    readiness: {
      score: readinessScore,
      temperature_deviation: Math.round((random() - 0.5) * 10) / 10,
      temperature_trend_deviation: Math.round((random() - 0.5) * 10) / 10,
      contributors: { body_temperature: between(random, 60, 100), hrv_balance: between(random, 40, 100) },
    },
    period: 0,
    low_battery_alert: false,
  };
  const steps = between(random, 3000, 16000);
  const documents: GeneratedDay['documents'] = {
    sleep: [sleep],
    daily_sleep: [
      {
        id: `daily-sleep-${day}`,
        day,
        score: between(random, 55, 95),
        contributors: { deep_sleep: between(random, 40, 100), efficiency: sleep.efficiency, total_sleep: 80 },
        timestamp: `${day}T00:00:00+00:00`,
      },
    ],
    daily_readiness: [
      {
        id: `daily-readiness-${day}`,
        day,
        score: readinessScore,
        temperature_deviation: sleep.readiness.temperature_deviation,
        temperature_trend_deviation: sleep.readiness.temperature_trend_deviation,
        contributors: {
          activity_balance: between(random, 40, 100),
          hrv_balance: sleep.readiness.contributors.hrv_balance,
          resting_heart_rate: between(random, 40, 100),
        },
        timestamp: `${day}T00:00:00+00:00`,
      },
    ],
    daily_activity: [
      {
        id: `daily-activity-${day}`,
        day,
        score: between(random, 50, 99),
        steps,
        active_calories: Math.round(steps * 0.045),
        total_calories: 1900 + Math.round(steps * 0.045),
        equivalent_walking_distance: Math.round(steps * 0.78),
        high_activity_time: between(random, 0, 3600),
        medium_activity_time: between(random, 600, 5400),
        low_activity_time: between(random, 3600, 14_400),
        sedentary_time: between(random, 18_000, 36_000),
        resting_time: inBed,
        non_wear_time: between(random, 0, 3600),
        met: {
          interval: 60,
          items: Array.from({ length: 60 }, () => Math.round(random() * 40) / 10),
          timestamp: localIso(midnightUtc + 4 * 3_600_000, offsetMinutes),
        },
        class_5_min: Array.from({ length: 288 }, () => pick(random, ['1', '2', '2', '3', '4'])).join(''),
        timestamp: localIso(midnightUtc + 4 * 3_600_000, offsetMinutes),
      },
    ],
    daily_spo2: [{ id: `daily-spo2-${day}`, day, spo2_percentage: { average: 95 + Math.round(random() * 40) / 10 } }],
    daily_stress: [
      {
        id: `daily-stress-${day}`,
        day,
        stress_high: between(random, 0, 7200),
        recovery_high: between(random, 0, 7200),
        day_summary: pick(random, ['restored', 'normal', 'stressful']),
      },
    ],
  };
  if (index % 3 === 1) {
    const start = midnightUtc + between(random, 7, 18) * 3_600_000;
    const minutes = between(random, 20, 80);
    documents.workout = [
      {
        id: `workout-${day}`,
        day,
        activity: pick(random, ['running', 'cycling', 'walking']),
        calories: minutes * 9,
        distance: Math.round(minutes * 160 * (1 + random())),
        intensity: pick(random, ['easy', 'moderate', 'hard']),
        label: null,
        source: pick(random, ['autodetected', 'confirmed', 'manual']),
        start_datetime: localIso(start, offsetMinutes),
        end_datetime: localIso(start + minutes * 60_000, offsetMinutes),
      },
    ];
  }
  const heartrate = Array.from({ length: 288 }, (_, i) => ({
    bpm: between(random, 55, 95),
    source: 'awake',
    timestamp: new Date(Date.parse(`${day}T00:00:00Z`) + i * 300_000).toISOString().replace('.000Z', '+00:00'),
  }));
  return { day, documents, heartrate };
}
