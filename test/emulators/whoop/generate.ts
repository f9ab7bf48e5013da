/**
 * Realistic WHOOP API v2 documents (shapes and units of the project's provider research
 * §4.2, from WHOOP's OpenAPI), generated from a seed: one physiological cycle per day
 * (sleep onset to the next sleep onset), its sleep and recovery, sometimes a workout.
 * Times are UTC instants with the account's `timezone_offset`, as WHOOP sends them.
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
const decimal = (random: Random, low: number, high: number, places = 4) =>
  Math.round((low + random() * (high - low)) * 10 ** places) / 10 ** places;
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

/** A version-4-shaped UUID from the generator (deterministic per seed). */
export function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** `-05:00` for -300 minutes. */
export function offsetText(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const SPORTS = ['running', 'cycling', 'functional-fitness', 'walking', 'swimming', 'rowing', 'yoga'] as const;

export interface GeneratedNight {
  cycle: Record<string, unknown>;
  sleep: Record<string, unknown>;
  recovery: Record<string, unknown>;
  workout?: Record<string, unknown>;
}

/**
 * The cycle that starts with the night before `day` (local): its sleep, the recovery scored
 * from it, and on some days an afternoon workout. `end` is left for the caller to set
 * (the next cycle's start; absent for the cycle in progress).
 */
export function generateNight(
  random: Random,
  input: { userId: number; day: string; offsetMinutes: number; cycleId: number; v1Id: number },
): GeneratedNight {
  const { userId, day, offsetMinutes, cycleId, v1Id } = input;
  const localMidnight = Date.parse(`${day}T00:00:00Z`) - offsetMinutes * 60_000;
  const onset = localMidnight - between(random, -45, 90) * 60_000;
  const inBed = between(random, 6 * 3600, 9 * 3600) * 1000;
  const awake = between(random, 15 * 60, 60 * 60) * 1000;
  const deep = between(random, 60 * 60, 110 * 60) * 1000;
  const rem = between(random, 70 * 60, 120 * 60) * 1000;
  const light = inBed - awake - deep - rem;
  const wake = onset + inBed;
  const tz = offsetText(offsetMinutes);
  const updated = iso(wake + between(random, 5, 60) * 60_000);
  const sleepId = uuid(random);
  const sleep = {
    id: sleepId,
    cycle_id: cycleId,
    v1_id: v1Id,
    user_id: userId,
    created_at: iso(wake + 2 * 60_000),
    updated_at: updated,
    start: iso(onset),
    end: iso(wake),
    timezone_offset: tz,
    nap: false,
    score_state: 'SCORED',
    score: {
      stage_summary: {
        total_in_bed_time_milli: inBed,
        total_awake_time_milli: awake,
        total_no_data_time_milli: 0,
        total_light_sleep_time_milli: light,
        total_slow_wave_sleep_time_milli: deep,
        total_rem_sleep_time_milli: rem,
        sleep_cycle_count: between(random, 3, 6),
        disturbance_count: between(random, 4, 18),
      },
      sleep_needed: {
        baseline_milli: between(random, 26_000_000, 29_000_000),
        need_from_sleep_debt_milli: between(random, 0, 1_800_000),
        need_from_recent_strain_milli: between(random, 0, 900_000),
        need_from_recent_nap_milli: 0,
      },
      respiratory_rate: decimal(random, 13, 17, 8),
      sleep_performance_percentage: between(random, 60, 100),
      sleep_consistency_percentage: between(random, 55, 95),
      sleep_efficiency_percentage: decimal(random, 82, 97, 8),
    },
  };
  const recovery = {
    cycle_id: cycleId,
    sleep_id: sleepId,
    user_id: userId,
    created_at: iso(wake + 3 * 60_000),
    updated_at: updated,
    score_state: 'SCORED',
    score: {
      user_calibrating: false,
      recovery_score: between(random, 18, 99),
      resting_heart_rate: between(random, 44, 64),
      hrv_rmssd_milli: decimal(random, 28, 120, 6),
      spo2_percentage: decimal(random, 94, 99, 4),
      skin_temp_celsius: decimal(random, 33, 35, 2),
    },
  };
  const cycle: Record<string, unknown> = {
    id: cycleId,
    user_id: userId,
    created_at: iso(onset + 60_000),
    updated_at: updated,
    start: iso(onset),
    timezone_offset: tz,
    score_state: 'SCORED',
    score: {
      strain: decimal(random, 4, 18, 7),
      kilojoule: decimal(random, 6000, 14000, 3),
      average_heart_rate: between(random, 55, 75),
      max_heart_rate: between(random, 120, 185),
    },
  };
  let workout: Record<string, unknown> | undefined;
  if (random() < 0.6) {
    const start = wake + between(random, 6 * 60, 10 * 60) * 60_000;
    const minutes = between(random, 25, 90);
    const sport = pick(random, SPORTS);
    const outdoor = sport === 'running' || sport === 'cycling' || sport === 'walking';
    const zones = Array.from({ length: 6 }, () => between(random, 0, minutes * 12) * 1000);
    workout = {
      id: uuid(random),
      v1_id: v1Id + 500_000,
      user_id: userId,
      created_at: iso(start + minutes * 60_000 + 60_000),
      updated_at: iso(start + minutes * 60_000 + 120_000),
      start: iso(start),
      end: iso(start + minutes * 60_000),
      timezone_offset: tz,
      sport_name: sport,
      score_state: 'SCORED',
      score: {
        strain: decimal(random, 5, 17, 4),
        average_heart_rate: between(random, 110, 155),
        max_heart_rate: between(random, 150, 190),
        kilojoule: decimal(random, 600, 3500, 6),
        percent_recorded: 100,
        ...(outdoor
          ? {
              distance_meter: decimal(random, minutes * 80, minutes * (sport === 'cycling' ? 450 : 200), 6),
              altitude_gain_meter: decimal(random, 5, 300, 6),
              altitude_change_meter: decimal(random, -20, 20, 6),
            }
          : {}),
        zone_durations: {
          zone_zero_milli: zones[0],
          zone_one_milli: zones[1],
          zone_two_milli: zones[2],
          zone_three_milli: zones[3],
          zone_four_milli: zones[4],
          zone_five_milli: zones[5],
        },
      },
    };
  }
  return { cycle, sleep, recovery, workout };
}
