import type { TerraRecord } from '../../model/data-types.ts';
import { ActivityType } from '../../model/generated/terra-types.ts';
import { activityTypeFromName } from '../../formats/sport.ts';

/**
 * Garmin Health / Activity / Women's Health summaries → Terra records. Pure: no I/O, no
 * clock, so stored raw bundles can be normalized again (replay). Only what Garmin sent is
 * mapped: a missing field leaves its Terra field absent, never a zero. Fields Terra has no
 * place for (body battery events, sleep sub-scores, all-day respiration, fitness age,
 * pregnancy snapshots…) stay in the raw bundle.
 * Mapping: ../shared/research/providers.md §3.9 (see README.md here).
 *
 * Times: Garmin sends UTC epoch seconds with `…OffsetInSeconds` (the device's display
 * offset); Terra times are written in that local offset.
 */
export type GarminSummary = Record<string, unknown>;

/**
 * The summaries of one `calendarDate` that make up one Terra Daily (one raw record,
 * `daily:<date>`). Lists are keyed by the summary's identity (an update replaces it).
 */
export interface GarminDayBundle {
  calendarDate: string;
  dailies?: GarminSummary;
  /** 15-minute epochs, keyed `<startTimeInSeconds>:<activityType>`. */
  epochs?: Record<string, GarminSummary>;
  stressDetails?: GarminSummary;
  /** Pulse-ox summaries (all-day and on-demand), keyed by summaryId. */
  pulseox?: Record<string, GarminSummary>;
  /** All-day respiration slices, keyed by summaryId (kept raw: Terra's Daily has no respiration). */
  allDayRespiration?: Record<string, GarminSummary>;
  userMetrics?: GarminSummary;
  hrv?: GarminSummary;
}

/** An activity and its details (`activity:<activityId>`): they arrive separately. */
export interface GarminActivityBundle {
  id: string;
  activity?: GarminSummary;
  details?: GarminSummary;
}

/** Body composition and blood pressure measurements of one local day (`body:<date>`). */
export interface GarminBodyBundle {
  date: string;
  bodyComps?: Record<string, GarminSummary>;
  bloodPressures?: Record<string, GarminSummary>;
}

const UPLOAD_AUTOMATIC = 1;
const UPLOAD_MANUAL = 2;
const SLEEP_MANUAL = 1;
const SLEEP_AUTOMATIC = 2;
const SLEEP_TENTATIVE = 3;
const SLEEP_LEVELS: Readonly<Record<string, number>> = { awake: 1, light: 4, deep: 5, rem: 6 };
const INTENSITY_LEVEL: Readonly<Record<string, number>> = { SEDENTARY: 2, ACTIVE: 4, HIGHLY_ACTIVE: 5 };
const DAY_S = 86_400;

// ---- daily ---------------------------------------------------------------------------

/** One day's bundle → Terra Daily; undefined when the bundle has no usable date. */
export function normalizeDay(bundle: GarminDayBundle): TerraRecord | undefined {
  const date = str(bundle.calendarDate);
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(Date.parse(`${date}T00:00:00Z`))) return undefined;
  const d = obj(bundle.dailies) ?? {};
  const stress = obj(bundle.stressDetails) ?? {};
  const offset =
    num(d.startTimeOffsetInSeconds) ??
    num(stress.startTimeOffsetInSeconds) ??
    firstOffset(Object.values(bundle.epochs ?? {})) ??
    firstOffset(Object.values(bundle.pulseox ?? {})) ??
    0;
  const dayStart = Date.parse(`${date}T00:00:00Z`) / 1000 - offset;
  const hr = offsetSamples(d.timeOffsetHeartRateSamples, num(d.startTimeInSeconds) ?? dayStart, offset, (bpm) =>
    bpm > 0 ? { bpm } : undefined,
  );
  const epochs = epochSlices(bundle.epochs);
  const stressSamples = offsetSamples(
    stress.timeOffsetStressLevelValues,
    num(stress.startTimeInSeconds) ?? dayStart,
    offset,
    (level) => (level >= 0 ? { level } : undefined), // −1…−5 are codes (off wrist, motion…), not levels
  );
  const battery = offsetSamples(
    stress.timeOffsetBodyBatteryValues,
    num(stress.startTimeInSeconds) ?? dayStart,
    offset,
    (level) => (level >= 0 ? { level } : undefined),
  );
  const spo2 = Object.values(bundle.pulseox ?? {})
    .flatMap((summary) =>
      offsetSamples(summary.timeOffsetSpo2Values, num(summary.startTimeInSeconds), offsetOf(summary, offset), (p) =>
        p > 0 && p <= 100 ? { percentage: p, type: 0 } : undefined,
      ),
    )
    .sort(byTimestamp);
  const hrv = obj(bundle.hrv);
  const hrvSamples = hrv
    ? offsetSamples(hrv.hrvValues, num(hrv.startTimeInSeconds), offsetOf(hrv, offset), (value) =>
        value > 0 ? { hrv_rmssd: value } : undefined,
      )
    : [];
  const metrics = obj(bundle.userMetrics);
  const active = num(d.activeKilocalories);
  const bmr = num(d.bmrKilocalories);
  const bpms = hr.map((s) => s.bpm);
  return compact({
    metadata: {
      start_time: isoAt(dayStart, offset),
      end_time: isoAt(dayStart + DAY_S, offset),
      upload_type: UPLOAD_AUTOMATIC,
    },
    distance_data: compact({
      steps: int(d.steps),
      distance_meters: num(d.distanceInMeters),
      floors_climbed: int(d.floorsClimbed),
      detailed: compact({
        step_samples: cumulative(epochs, 'steps', 'steps'),
        distance_samples: cumulative(epochs, 'distance', 'distance_meters'),
      }),
    }),
    calories_data: compact({
      net_activity_calories: active,
      BMR_calories: bmr,
      total_burned_calories: active !== undefined && bmr !== undefined ? active + bmr : undefined,
      calorie_samples: nonEmpty(
        epochs.filter((e) => e.calories !== undefined).map((e) => ({ timestamp: e.timestamp, calories: e.calories! })),
      ),
    }),
    active_durations_data: compact({
      activity_seconds: num(d.activeTimeInSeconds),
      moderate_intensity_seconds: num(d.moderateIntensityDurationInSeconds),
      vigorous_intensity_seconds: num(d.vigorousIntensityDurationInSeconds),
      activity_levels_samples: nonEmpty(
        epochs.filter((e) => e.level !== undefined).map((e) => ({ timestamp: e.timestamp, level: e.level! })),
      ),
    }),
    MET_data: compact({
      MET_samples: nonEmpty(
        epochs.filter((e) => e.met !== undefined).map((e) => ({ timestamp: e.timestamp, level: e.met! })),
      ),
    }),
    heart_rate_data: compact({
      summary: compact({
        // Garmin's averageHeartRateInBeatsPerMinute is a 7-day average: the day's comes from its samples.
        avg_hr_bpm: bpms.length > 0 ? round1(bpms.reduce((a, b) => a + b, 0) / bpms.length) : undefined,
        min_hr_bpm: num(d.minHeartRateInBeatsPerMinute),
        max_hr_bpm: num(d.maxHeartRateInBeatsPerMinute),
        resting_hr_bpm: num(d.restingHeartRateInBeatsPerMinute),
        avg_hrv_rmssd: hrv ? num(hrv.lastNightAvg) : undefined,
      }),
      detailed: compact({ hr_samples: nonEmpty(hr), hrv_samples_rmssd: nonEmpty(hrvSamples) }),
    }),
    stress_data: compact({
      avg_stress_level: nonNegative(d.averageStressLevel),
      max_stress_level: nonNegative(d.maxStressLevel),
      stress_duration_seconds: num(d.stressDurationInSeconds),
      rest_stress_duration_seconds: num(d.restStressDurationInSeconds),
      activity_stress_duration_seconds: num(d.activityStressDurationInSeconds),
      low_stress_duration_seconds: num(d.lowStressDurationInSeconds),
      medium_stress_duration_seconds: num(d.mediumStressDurationInSeconds),
      high_stress_duration_seconds: num(d.highStressDurationInSeconds),
      stress_rating: stressRating(str(d.stressQualifier)),
      samples: nonEmpty(stressSamples),
      body_battery_samples: nonEmpty(battery),
    }),
    oxygen_data: compact({
      avg_saturation_percentage:
        spo2.length > 0 ? round1(spo2.reduce((a, s) => a + s.percentage, 0) / spo2.length) : undefined,
      saturation_samples: nonEmpty(spo2),
      vo2max_ml_per_min_per_kg: metrics ? num(metrics.vo2Max) : undefined,
    }),
  });
}

interface EpochSlice {
  timestamp: string;
  steps?: number;
  distance?: number;
  calories?: number;
  met?: number;
  level?: number;
}

/** Epochs (one per activity type per 15 minutes) → one slice per start time, oldest first. */
function epochSlices(epochs: Record<string, GarminSummary> | undefined): EpochSlice[] {
  const byStart = new Map<number, { offset: number; items: GarminSummary[] }>();
  for (const epoch of Object.values(epochs ?? {})) {
    const start = num(epoch.startTimeInSeconds);
    if (start === undefined) continue;
    const slot = byStart.get(start) ?? { offset: num(epoch.startTimeOffsetInSeconds) ?? 0, items: [] };
    slot.items.push(epoch);
    byStart.set(start, slot);
  }
  return [...byStart.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, { offset, items }]) => {
      const sum = (field: string) => {
        const values = items.map((e) => num(e[field])).filter((v): v is number => v !== undefined);
        return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
      };
      // MET of the slice: the duration-weighted mean of its activity types.
      let metWeighted = 0;
      let metSeconds = 0;
      for (const e of items) {
        const met = num(e.met);
        if (met === undefined) continue;
        const seconds = num(e.durationInSeconds) ?? 900;
        metWeighted += met * seconds;
        metSeconds += seconds;
      }
      const levels = items
        .map((e) => INTENSITY_LEVEL[str(e.intensity) ?? ''])
        .filter((v): v is number => v !== undefined);
      return {
        timestamp: isoAt(start, offset),
        steps: sum('steps'),
        distance: sum('distanceInMeters'),
        calories: sum('activeKilocalories'),
        met: metSeconds > 0 ? round2(metWeighted / metSeconds) : undefined,
        level: levels.length > 0 ? Math.max(...levels) : undefined,
      };
    });
}

/** Terra's step and distance samples are cumulative since the start of the day. */
function cumulative<K extends string>(
  slices: EpochSlice[],
  field: 'steps' | 'distance',
  key: K,
): ({ timestamp: string } & Record<K, number>)[] | undefined {
  let total = 0;
  const out: ({ timestamp: string } & Record<K, number>)[] = [];
  for (const slice of slices) {
    const value = slice[field];
    if (value === undefined) continue;
    total += value;
    out.push({ timestamp: slice.timestamp, [key]: round2(total) } as { timestamp: string } & Record<K, number>);
  }
  return nonEmpty(out);
}

function stressRating(qualifier: string | undefined): number | undefined {
  if (!qualifier) return undefined;
  const base = qualifier.toLowerCase().replace(/_awake$/, '');
  return { calm: 1, balanced: 2, stressful: 3, very_stressful: 4 }[base];
}

// ---- sleep ---------------------------------------------------------------------------

/** One sleep summary → Terra Sleep; undefined without an id or a start. */
export function normalizeSleep(summary: GarminSummary): TerraRecord | undefined {
  const id = str(summary.summaryId);
  const start = num(summary.startTimeInSeconds);
  if (!id || start === undefined) return undefined;
  const offset = num(summary.startTimeOffsetInSeconds) ?? 0;
  const deep = num(summary.deepSleepDurationInSeconds);
  const light = num(summary.lightSleepDurationInSeconds);
  const rem = num(summary.remSleepInSeconds);
  const awake = num(summary.awakeDurationInSeconds);
  const unmeasurable = num(summary.unmeasurableSleepInSeconds) ?? num(summary.unmeasurableSleepDurationInSeconds);
  const levels = hypnogram(summary.sleepLevelsMap, offset);
  const duration = num(summary.durationInSeconds);
  const end =
    levels.end ?? (duration === undefined ? undefined : start + duration + (awake ?? 0) + (unmeasurable ?? 0));
  if (end === undefined || end < start) return undefined;
  const validation = str(summary.validation) ?? '';
  const breaths = offsetSamples(summary.timeOffsetSleepRespiration, start, offset, (value) =>
    value > 0 ? { breaths_per_min: value } : undefined,
  );
  const spo2 = offsetSamples(summary.timeOffsetSleepSpo2, start, offset, (p) =>
    p > 0 && p <= 100 ? { percentage: p, type: 0 } : undefined,
  );
  const staged = [deep, light, rem].filter((v): v is number => v !== undefined);
  const breathValues = breaths.map((s) => s.breaths_per_min);
  return compact({
    metadata: {
      summary_id: id,
      start_time: isoAt(start, offset),
      end_time: isoAt(end, offset),
      is_nap: false,
      upload_type:
        validation === 'MANUAL' ? SLEEP_MANUAL : validation.endsWith('TENTATIVE') ? SLEEP_TENTATIVE : SLEEP_AUTOMATIC,
    },
    sleep_durations_data: compact({
      asleep: compact({
        duration_asleep_state_seconds: staged.length > 0 ? staged.reduce((a, b) => a + b, 0) : undefined,
        duration_deep_sleep_state_seconds: deep,
        duration_light_sleep_state_seconds: light,
        duration_REM_sleep_state_seconds: rem,
      }),
      awake: compact({ duration_awake_state_seconds: awake }),
      other: compact({
        duration_in_bed_seconds: end - start,
        duration_unmeasurable_sleep_seconds: unmeasurable,
      }),
      hypnogram_samples: nonEmpty(levels.samples),
    }),
    scores: compact({ sleep: num(obj(summary.overallSleepScore)?.value) }),
    respiration_data: compact({
      breaths_data: compact({
        avg_breaths_per_min:
          breathValues.length > 0 ? round1(breathValues.reduce((a, b) => a + b, 0) / breathValues.length) : undefined,
        min_breaths_per_min: breathValues.length > 0 ? Math.min(...breathValues) : undefined,
        max_breaths_per_min: breathValues.length > 0 ? Math.max(...breathValues) : undefined,
        samples: nonEmpty(breaths),
      }),
      oxygen_saturation_data: compact({
        avg_saturation_percentage:
          spo2.length > 0 ? round1(spo2.reduce((a, s) => a + s.percentage, 0) / spo2.length) : undefined,
        samples: nonEmpty(spo2),
      }),
    }),
  });
}

/** `sleepLevelsMap` {deep|light|rem|awake: [{start, end}]} → hypnogram samples at each interval's start. */
function hypnogram(value: unknown, offset: number): { samples: { timestamp: string; level: number }[]; end?: number } {
  const map = obj(value);
  const intervals: { start: number; level: number }[] = [];
  let end: number | undefined;
  for (const [stage, list] of Object.entries(map ?? {})) {
    const level = SLEEP_LEVELS[stage];
    if (level === undefined || !Array.isArray(list)) continue;
    for (const item of list) {
      const interval = obj(item);
      const s = num(interval?.startTimeInSeconds);
      const e = num(interval?.endTimeInSeconds);
      if (s === undefined || e === undefined || e < s) continue;
      intervals.push({ start: s, level });
      end = end === undefined ? e : Math.max(end, e);
    }
  }
  intervals.sort((a, b) => a.start - b.start);
  return { samples: intervals.map((i) => ({ timestamp: isoAt(i.start, offset), level: i.level })), end };
}

// ---- activity ------------------------------------------------------------------------

/** An activity with its details (either may be missing) → Terra Activity. */
export function normalizeActivity(bundle: GarminActivityBundle): TerraRecord | undefined {
  const details = obj(bundle.details);
  const a = obj(bundle.activity) ?? obj(details?.summary);
  const id = str(bundle.id);
  if (!a || !id) return undefined;
  const start = num(a.startTimeInSeconds);
  const duration = num(a.durationInSeconds);
  if (start === undefined || duration === undefined || duration < 0) return undefined;
  const offset = num(a.startTimeOffsetInSeconds) ?? 0;
  const end = start + duration;
  const samples = (Array.isArray(details?.samples) ? details.samples : [])
    .map((s) => obj(s))
    .filter((s): s is GarminSummary => s !== undefined && num(s.startTimeInSeconds) !== undefined)
    .sort((x, y) => num(x.startTimeInSeconds)! - num(y.startTimeInSeconds)!);
  const timerOf = (timer: number | undefined) => (timer === undefined ? {} : { timer_duration_seconds: timer });
  const series = <T>(make: (s: GarminSummary) => T | undefined) =>
    nonEmpty(
      samples.flatMap((s) => {
        const made = make(s);
        if (made === undefined) return [];
        const timer = num(s.timerDurationInSeconds);
        return [{ timestamp: isoAt(num(s.startTimeInSeconds)!, offset), ...made, ...timerOf(timer) }];
      }),
    );
  const positions = samples.filter(
    (s) => num(s.latitudeInDegree) !== undefined && num(s.longitudeInDegree) !== undefined,
  );
  const startLat = num(a.startingLatitudeInDegree);
  const startLng = num(a.startingLongitudeInDegree);
  const lastPosition = positions.at(-1);
  const cadenceAvg = num(a.averageBikeCadenceInRoundsPerMinute) ?? num(a.averageRunCadenceInStepsPerMinute);
  const cadenceMax = num(a.maxBikeCadenceInRoundsPerMinute) ?? num(a.maxRunCadenceInStepsPerMinute);
  const deviceName = str(a.deviceName);
  const laps = (Array.isArray(details?.laps) ? details.laps : [])
    .map((lap) => num(obj(lap)?.startTimeInSeconds))
    .filter((s): s is number => s !== undefined)
    .sort((x, y) => x - y);
  const watts = samples.map((s) => num(s.powerInWatts)).filter((w): w is number => w !== undefined);
  return compact({
    metadata: compact({
      summary_id: id,
      name: str(a.activityName),
      type: activityType(str(a.activityType)),
      start_time: isoAt(start, offset),
      end_time: isoAt(end, offset),
      upload_type: a.manual === true ? UPLOAD_MANUAL : UPLOAD_AUTOMATIC,
    }),
    device_data: compact({ name: deviceName && deviceName !== 'unknown' ? deviceName : undefined }),
    distance_data: compact({
      summary: compact({
        // Terra's schema says integer here.
        distance_meters: roundOrUndefined(num(a.distanceInMeters)),
        steps: int(a.steps),
        elevation: compact({
          gain_actual_meters: num(a.totalElevationGainInMeters),
          loss_actual_meters: num(a.totalElevationLossInMeters),
        }),
        swimming: compact({ num_laps: int(a.numberOfActiveLengths) }),
      }),
      detailed: compact({
        distance_samples: series((s) => opt('distance_meters', num(s.totalDistanceInMeters))),
        elevation_samples: series((s) => opt('elev_meters', num(s.elevationInMeters))),
      }),
    }),
    calories_data: compact({ total_burned_calories: num(a.activeKilocalories) }),
    heart_rate_data: compact({
      summary: compact({
        avg_hr_bpm: num(a.averageHeartRateInBeatsPerMinute),
        max_hr_bpm: num(a.maxHeartRateInBeatsPerMinute),
      }),
      detailed: compact({ hr_samples: series((s) => opt('bpm', positive(s.heartRate))) }),
    }),
    movement_data: compact({
      avg_speed_meters_per_second: num(a.averageSpeedInMetersPerSecond),
      max_speed_meters_per_second: num(a.maxSpeedInMetersPerSecond),
      avg_pace_minutes_per_kilometer: num(a.averagePaceInMinutesPerKilometer),
      max_pace_minutes_per_kilometer: num(a.maxPaceInMinutesPerKilometer),
      avg_cadence_rpm: cadenceAvg,
      max_cadence_rpm: cadenceMax,
      speed_samples: series((s) => opt('speed_meters_per_second', num(s.speedMetersPerSecond))),
      cadence_samples: series((s) =>
        opt('cadence_rpm', num(s.bikeCadenceInRPM) ?? num(s.stepsPerMinute) ?? num(s.swimCadenceInStrokesPerMinute)),
      ),
    }),
    power_data: compact({
      avg_watts: watts.length > 0 ? round1(watts.reduce((x, y) => x + y, 0) / watts.length) : undefined,
      max_watts: watts.length > 0 ? Math.max(...watts) : undefined,
      power_samples: series((s) => opt('watts', num(s.powerInWatts))),
    }),
    position_data: compact({
      start_pos_lat_lng_deg:
        startLat !== undefined && startLng !== undefined
          ? [startLat, startLng]
          : positions[0]
            ? [num(positions[0].latitudeInDegree)!, num(positions[0].longitudeInDegree)!]
            : undefined,
      end_pos_lat_lng_deg: lastPosition
        ? [num(lastPosition.latitudeInDegree)!, num(lastPosition.longitudeInDegree)!]
        : undefined,
      position_samples: nonEmpty(
        positions.map((s) => ({
          timestamp: isoAt(num(s.startTimeInSeconds)!, offset),
          coords_lat_lng_deg: [num(s.latitudeInDegree)!, num(s.longitudeInDegree)!] as [number, number],
          ...timerOf(num(s.timerDurationInSeconds)),
        })),
      ),
    }),
    lap_data: compact({
      laps: nonEmpty(
        laps.map((lapStart, i) => ({
          start_time: isoAt(lapStart, offset),
          end_time: isoAt(laps[i + 1] ?? Math.max(end, lapStart), offset),
        })),
      ),
    }),
  });
}

/** Garmin's activity types (Activity API Appendix A) → Terra ActivityType codes. */
const GARMIN_TYPES: Readonly<Record<string, number>> = {
  RUNNING: ActivityType.RUNNING,
  STREET_RUNNING: ActivityType.RUNNING,
  TRACK_RUNNING: ActivityType.RUNNING,
  TRAIL_RUNNING: ActivityType.RUNNING,
  TREADMILL_RUNNING: ActivityType.TREADMILL_RUNNING,
  INDOOR_RUNNING: ActivityType.INDOOR_RUNNING,
  CYCLING: ActivityType.BIKING,
  ROAD_BIKING: ActivityType.ROAD_BIKING,
  MOUNTAIN_BIKING: ActivityType.MOUNTAIN_BIKING,
  INDOOR_CYCLING: ActivityType.STATIONARY_BIKING,
  VIRTUAL_RIDE: ActivityType.STATIONARY_BIKING,
  LAP_SWIMMING: ActivityType.SWIMMING_SWIMMING_POOL,
  OPEN_WATER_SWIMMING: ActivityType.SWIMMING_OPEN_WATER,
  SWIMMING: ActivityType.SWIMMING,
  WALKING: ActivityType.WALKING,
  CASUAL_WALKING: ActivityType.WALKING,
  SPEED_WALKING: ActivityType.WALKING_FITNESS,
  HIKING: ActivityType.HIKING,
  STRENGTH_TRAINING: ActivityType.STRENGTH_TRAINING,
  CARDIO_TRAINING: ActivityType.CARDIO_TRAINING,
  HIIT: ActivityType.HIIT,
  YOGA: ActivityType.YOGA,
  PILATES: ActivityType.PILATES,
  ELLIPTICAL: ActivityType.ELLIPTICAL,
  STAIR_CLIMBING: ActivityType.STAIR_CLIMBING,
  INDOOR_ROWING: ActivityType.ROWING_MACHINE,
  ROWING: ActivityType.ROWING,
  RESORT_SKIING_SNOWBOARDING: ActivityType.DOWNHILL_SKIING,
  CROSS_COUNTRY_SKIING_WS: ActivityType.CROSS_COUNTRY_SKIING,
  STAND_UP_PADDLEBOARDING: ActivityType.STAND_UP_PADDLEBOARDING,
  GOLF: ActivityType.GOLF,
  TENNIS: ActivityType.TENNIS,
  MULTI_SPORT: ActivityType.TRIATHLON,
  OTHER: ActivityType.OTHER,
};

function activityType(name: string | undefined): number {
  if (!name) return ActivityType.UNKNOWN;
  const known = GARMIN_TYPES[name.toUpperCase()];
  if (known !== undefined) return known;
  const same = (ActivityType as Record<string, number>)[name.toUpperCase()];
  if (same !== undefined) return same;
  const guessed = activityTypeFromName(name);
  return guessed === ActivityType.UNKNOWN ? ActivityType.OTHER : guessed;
}

// ---- body ----------------------------------------------------------------------------

/** A day's body composition and blood pressure measurements → Terra Body. */
export function normalizeBody(bundle: GarminBodyBundle): TerraRecord | undefined {
  const date = str(bundle.date);
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const comps = Object.values(bundle.bodyComps ?? {})
    .filter((c) => num(c.measurementTimeInSeconds) !== undefined)
    .sort((x, y) => num(x.measurementTimeInSeconds)! - num(y.measurementTimeInSeconds)!);
  const pressures = Object.values(bundle.bloodPressures ?? {})
    .filter((c) => num(c.measurementTimeInSeconds) !== undefined)
    .sort((x, y) => num(x.measurementTimeInSeconds)! - num(y.measurementTimeInSeconds)!);
  const first = comps[0] ?? pressures[0];
  if (!first) return undefined;
  const offset = num(first.measurementTimeOffsetInSeconds) ?? 0;
  const dayStart = Date.parse(`${date}T00:00:00Z`) / 1000 - offset;
  const at = (m: GarminSummary) =>
    isoAt(num(m.measurementTimeInSeconds)!, num(m.measurementTimeOffsetInSeconds) ?? offset);
  const grams = (value: unknown) => {
    const g = num(value);
    return g === undefined ? undefined : g / 1000;
  };
  return compact({
    metadata: { start_time: isoAt(dayStart, offset), end_time: isoAt(dayStart + DAY_S, offset) },
    measurements_data: compact({
      measurements: nonEmpty(
        comps.map((c) =>
          compact({
            measurement_time: at(c),
            weight_kg: grams(c.weightInGrams),
            bodyfat_percentage: num(c.bodyFatInPercent),
            water_percentage: num(c.bodyWaterInPercent),
            BMI: num(c.bodyMassIndex),
            bone_mass_g: num(c.boneMassInGrams),
            muscle_mass_g: num(c.muscleMassInGrams),
          }),
        ),
      ),
    }),
    blood_pressure_data: compact({
      blood_pressure_samples: nonEmpty(
        pressures.map((p) =>
          compact({ timestamp: at(p), systolic_bp: num(p.systolic), diastolic_bp: num(p.diastolic) }),
        ),
      ),
    }),
  });
}

// ---- menstruation --------------------------------------------------------------------

const PHASES = new Set([
  'menstrual',
  'follicular',
  'ovulation',
  'luteal',
  'pms',
  'fertile',
  'first_trimester',
  'second_trimester',
  'third_trimester',
]);

/**
 * A menstrual cycle tracking (`mct`) summary → Terra Menstruation for the day it
 * describes (period start + day in cycle − 1). Garmin sends no time zone for it: the
 * day's times carry none (Terra: the user's local time).
 */
export function normalizeMenstruation(summary: GarminSummary): TerraRecord | undefined {
  const day = mctDay(summary);
  if (!day) return undefined;
  const phase = str(summary.currentPhaseType)?.toLowerCase();
  const updated = num(summary.lastUpdatedTimeInSeconds);
  const cycle = int(summary.cycleLength);
  const predicted = typeof summary.isPredictedCycle === 'boolean' ? summary.isPredictedCycle : undefined;
  return compact({
    metadata: { start_time: `${day}T00:00:00.000000`, end_time: `${nextDay(day)}T00:00:00.000000` },
    menstruation_data: compact({
      period_start_date: str(summary.periodStartDate),
      day_in_cycle: int(summary.dayInCycle),
      period_length_days: int(summary.periodLength),
      current_phase: phase === undefined ? undefined : PHASES.has(phase) ? phase : 'unknown',
      length_of_current_phase_days: int(summary.lengthOfCurrentPhase),
      days_until_next_phase: int(summary.daysUntilNextPhase),
      predicted_cycle_length_days: int(summary.predictedCycleLength),
      cycle_length_days: cycle === undefined ? undefined : String(cycle),
      is_predicted_cycle: predicted === undefined ? undefined : String(predicted),
      last_updated_time: updated === undefined ? undefined : isoAt(updated, 0),
    }),
  });
}

/** The day an mct summary describes, or undefined when it cannot be told. */
export function mctDay(summary: GarminSummary): string | undefined {
  const start = str(summary.periodStartDate);
  const dayInCycle = int(summary.dayInCycle);
  if (!start || !/^\d{4}-\d{2}-\d{2}$/.test(start) || dayInCycle === undefined || dayInCycle < 1) return undefined;
  const ms = Date.parse(`${start}T00:00:00Z`);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms + (dayInCycle - 1) * DAY_S * 1000).toISOString().slice(0, 10);
}

// ---- helpers -------------------------------------------------------------------------

/** Epoch seconds in a display offset → `2024-03-02T07:05:00.000000+01:00`. */
export function isoAt(epochSeconds: number, offsetSeconds: number): string {
  const local = new Date((epochSeconds + offsetSeconds) * 1000).toISOString();
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offsetSeconds / 60));
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 19)}.${local.slice(20, 23)}000${zone}`;
}

/** The local calendar date of an instant in a display offset. */
export function localDate(epochSeconds: number, offsetSeconds: number): string {
  return new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 10);
}

/** Garmin's `{offsetSeconds: value}` maps → timestamped samples, oldest first. */
function offsetSamples<T extends object>(
  value: unknown,
  start: number | undefined,
  offset: number,
  make: (value: number) => T | undefined,
): ({ timestamp: string } & T)[] {
  const map = obj(value);
  if (!map || start === undefined) return [];
  return Object.entries(map)
    .map(([key, item]) => [Number(key), item] as const)
    .filter(([key, item]) => Number.isFinite(key) && typeof item === 'number' && Number.isFinite(item))
    .sort((a, b) => a[0] - b[0])
    .flatMap(([key, item]) => {
      const made = make(item as number);
      return made === undefined ? [] : [{ timestamp: isoAt(start + key, offset), ...made }];
    });
}

function firstOffset(summaries: GarminSummary[]): number | undefined {
  for (const summary of summaries) {
    const offset = num(summary.startTimeOffsetInSeconds);
    if (offset !== undefined) return offset;
  }
  return undefined;
}

function offsetOf(summary: GarminSummary, fallback: number): number {
  return num(summary.startTimeOffsetInSeconds) ?? fallback;
}

const byTimestamp = (a: { timestamp: string }, b: { timestamp: string }) =>
  Date.parse(a.timestamp) - Date.parse(b.timestamp);

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_S * 1000).toISOString().slice(0, 10);
}

const opt = <K extends string>(key: K, value: number | undefined) =>
  value === undefined ? undefined : ({ [key]: value } as Record<K, number>);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const int = (value: unknown): number | undefined => (Number.isInteger(value) ? (value as number) : undefined);
const positive = (value: unknown): number | undefined => {
  const n = num(value);
  return n !== undefined && n > 0 ? n : undefined;
};
const nonNegative = (value: unknown): number | undefined => {
  const n = num(value);
  return n !== undefined && n >= 0 ? n : undefined;
};
const obj = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const roundOrUndefined = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length > 0 ? list : undefined);

/** Drops undefined values and empty objects, so absent data stays absent. */
function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 0) continue;
    out[key] = item;
  }
  return out as T;
}
