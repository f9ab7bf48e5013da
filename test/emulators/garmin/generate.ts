/**
 * Realistic Garmin Health/Activity/Women's Health summaries (field names and units of
 * ../shared/research/providers.md §3.4–3.6), generated from a seed. Times are UTC epoch
 * seconds with the account's display offset, as Garmin sends them.
 */
export type Random = () => number;
export type Summary = Record<string, unknown>;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const between = (random: Random, low: number, high: number) => Math.round(low + random() * (high - low));
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface GeneratedDay {
  /** Summaries by Garmin list key (`dailies`, `epochs`, `sleeps`…). */
  summaries: Record<string, Summary[]>;
}

/** One day of a Garmin user: the night's sleep ending that morning, dailies, epochs, stress, pulse ox, HRV, user metrics, sometimes an activity with details, a weigh-in, a cycle-tracking snapshot. */
export function generateDay(
  random: Random,
  accountId: string,
  day: string,
  offsetSeconds: number,
  options: { cycleStart?: string } = {},
): GeneratedDay {
  const start = Date.parse(`${day}T00:00:00Z`) / 1000 - offsetSeconds; // local midnight
  const tag = `${accountId.slice(0, 7)}-${start.toString(16)}`;
  const summaries: Record<string, Summary[]> = {};
  const add = (type: string, summary: Summary) => (summaries[type] ??= []).push(summary);

  // The night before: in bed from ~23:00 local.
  const bedtime = start - between(random, 30, 90) * 60;
  const deep = between(random, 3600, 6000);
  const rem = between(random, 4000, 7000);
  const light = between(random, 12000, 16000);
  const awake = between(random, 600, 2400);
  const levels: Record<string, { startTimeInSeconds: number; endTimeInSeconds: number }[]> = {
    light: [],
    deep: [],
    rem: [],
    awake: [],
  };
  let cursor = bedtime;
  for (const [stage, seconds] of [
    ['light', light / 2],
    ['deep', deep],
    ['light', light / 2],
    ['rem', rem],
    ['awake', awake],
  ] as const) {
    levels[stage]!.push({ startTimeInSeconds: cursor, endTimeInSeconds: cursor + Math.round(seconds) });
    cursor += Math.round(seconds);
  }
  const breaths: Record<string, number> = {};
  const sleepSpo2: Record<string, number> = {};
  for (let t = 0; t < deep + rem + light; t += 600) {
    breaths[String(t)] = round(12 + random() * 4);
    sleepSpo2[String(t)] = between(random, 93, 98);
  }
  add('sleeps', {
    summaryId: `${tag}-sl`,
    calendarDate: day,
    durationInSeconds: deep + rem + light,
    startTimeInSeconds: bedtime,
    startTimeOffsetInSeconds: offsetSeconds,
    unmeasurableSleepDurationInSeconds: 0,
    deepSleepDurationInSeconds: deep,
    lightSleepDurationInSeconds: light,
    remSleepInSeconds: rem,
    awakeDurationInSeconds: awake,
    sleepLevelsMap: levels,
    validation: 'ENHANCED_FINAL',
    timeOffsetSleepRespiration: breaths,
    timeOffsetSleepSpo2: sleepSpo2,
    overallSleepScore: { value: between(random, 55, 95), qualifierKey: 'GOOD' },
  });

  // Epochs: one per 15 minutes, a second (walking) one in some slices.
  let steps = 0;
  let distance = 0;
  let activeKcal = 0;
  for (let slot = 0; slot < 96; slot++) {
    const at = start + slot * 900;
    const asleep = slot < 28;
    const walking = !asleep && random() < 0.3;
    const walkSeconds = walking ? between(random, 120, 600) : 0;
    add('epochs', {
      summaryId: `${tag}-e${slot}s`,
      activityType: asleep ? 'SLEEP' : 'SEDENTARY',
      activeKilocalories: 1,
      steps: 0,
      distanceInMeters: 0,
      durationInSeconds: 900 - walkSeconds,
      activeTimeInSeconds: 0,
      startTimeInSeconds: at,
      startTimeOffsetInSeconds: offsetSeconds,
      met: 1,
      intensity: 'SEDENTARY',
      meanMotionIntensity: 0,
      maxMotionIntensity: asleep ? 0 : 1,
    });
    activeKcal += 1;
    if (walking) {
      const s = Math.round(walkSeconds * (1.6 + random() * 0.4));
      const m = round(s * 0.75, 2);
      steps += s;
      distance += m;
      activeKcal += Math.round(s / 25);
      add('epochs', {
        summaryId: `${tag}-e${slot}w`,
        activityType: 'WALKING',
        activeKilocalories: Math.round(s / 25),
        steps: s,
        distanceInMeters: m,
        durationInSeconds: walkSeconds,
        activeTimeInSeconds: walkSeconds,
        startTimeInSeconds: at,
        startTimeOffsetInSeconds: offsetSeconds,
        met: round(3 + random(), 1),
        intensity: 'ACTIVE',
        meanMotionIntensity: 3,
        maxMotionIntensity: 5,
      });
    }
  }
  const hr: Record<string, number> = {};
  for (let t = 15; t < 86_400; t += 900) hr[String(t)] = between(random, 50, 110);
  const hrValues = Object.values(hr);
  add('dailies', {
    summaryId: `${tag}-d`,
    calendarDate: day,
    activityType: 'GENERIC',
    activeKilocalories: activeKcal,
    bmrKilocalories: between(random, 1550, 1800),
    steps,
    distanceInMeters: round(distance, 2),
    durationInSeconds: 86_400,
    activeTimeInSeconds: between(random, 2400, 7200),
    startTimeInSeconds: start,
    startTimeOffsetInSeconds: offsetSeconds,
    moderateIntensityDurationInSeconds: between(random, 0, 2400),
    vigorousIntensityDurationInSeconds: between(random, 0, 1200),
    floorsClimbed: between(random, 0, 20),
    minHeartRateInBeatsPerMinute: Math.min(...hrValues),
    averageHeartRateInBeatsPerMinute: between(random, 60, 70),
    maxHeartRateInBeatsPerMinute: Math.max(...hrValues),
    restingHeartRateInBeatsPerMinute: between(random, 48, 58),
    timeOffsetHeartRateSamples: hr,
    averageStressLevel: between(random, 20, 45),
    maxStressLevel: between(random, 70, 99),
    stressDurationInSeconds: between(random, 7200, 20000),
    restStressDurationInSeconds: between(random, 20000, 30000),
    lowStressDurationInSeconds: between(random, 3600, 9000),
    mediumStressDurationInSeconds: between(random, 1800, 5400),
    highStressDurationInSeconds: between(random, 0, 3600),
    stressQualifier: pick(random, ['calm', 'balanced', 'stressful']),
    bodyBatteryChargedValue: between(random, 30, 70),
    bodyBatteryDrainedValue: between(random, 30, 70),
    stepsGoal: 8000,
  });
  const stress: Record<string, number> = {};
  const battery: Record<string, number> = {};
  for (let t = 0; t < 86_400; t += 180) {
    stress[String(t)] = random() < 0.05 ? -1 : between(random, 5, 80);
    if (t % 900 === 0) battery[String(t)] = between(random, 20, 95);
  }
  add('stressDetails', {
    summaryId: `${tag}-sd`,
    calendarDate: day,
    startTimeInSeconds: start,
    startTimeOffsetInSeconds: offsetSeconds,
    durationInSeconds: 86_400,
    timeOffsetStressLevelValues: stress,
    timeOffsetBodyBatteryValues: battery,
  });
  const spo2: Record<string, number> = {};
  for (let t = 0; t < 6 * 3600; t += 60) spo2[String(t)] = between(random, 93, 99);
  add('pulseox', {
    summaryId: `${tag}-po`,
    calendarDate: day,
    startTimeInSeconds: start,
    startTimeOffsetInSeconds: offsetSeconds,
    durationInSeconds: 6 * 3600,
    timeOffsetSpo2Values: spo2,
    onDemand: false,
  });
  const hrv: Record<string, number> = {};
  for (let t = 300; t <= 3 * 3600; t += 300) hrv[String(t)] = between(random, 25, 70);
  add('hrv', {
    summaryId: `${tag}-hrv`,
    calendarDate: day,
    lastNightAvg: between(random, 35, 55),
    lastNight5MinHigh: between(random, 60, 80),
    startTimeOffsetInSeconds: offsetSeconds,
    durationInSeconds: 3 * 3600,
    startTimeInSeconds: bedtime + 1800,
    hrvValues: hrv,
  });
  add('userMetrics', {
    summaryId: `${tag}-um`,
    calendarDate: day,
    vo2Max: round(45 + random() * 5, 1),
    enhanced: true,
    fitnessAge: between(random, 28, 40),
  });

  if (random() < 0.6) {
    const activityId = Math.floor(8_000_000_000 + random() * 1_000_000_000);
    const begin = start + between(random, 7 * 3600, 19 * 3600);
    const duration = between(random, 1500, 4200);
    const type = pick(random, ['RUNNING', 'CYCLING', 'WALKING', 'LAP_SWIMMING', 'STRENGTH_TRAINING']);
    const speed = round(2 + random() * 4, 2);
    const lat = 47.37 + random() * 0.02;
    const lng = 8.54 + random() * 0.02;
    const summary = {
      activityName: `${type.charAt(0)}${type.slice(1).toLowerCase().replace('_', ' ')}`,
      activityType: type,
      startTimeInSeconds: begin,
      startTimeOffsetInSeconds: offsetSeconds,
      durationInSeconds: duration,
      averageHeartRateInBeatsPerMinute: between(random, 120, 160),
      maxHeartRateInBeatsPerMinute: between(random, 165, 190),
      averageSpeedInMetersPerSecond: speed,
      maxSpeedInMetersPerSecond: round(speed * 1.4, 2),
      activeKilocalories: between(random, 200, 800),
      deviceName: 'Forerunner 965',
      distanceInMeters: round(speed * duration, 1),
      startingLatitudeInDegree: lat,
      startingLongitudeInDegree: lng,
      totalElevationGainInMeters: between(random, 5, 200),
      totalElevationLossInMeters: between(random, 5, 200),
    };
    add('activities', { summaryId: String(activityId), activityId, ...summary, manual: false, isParent: false });
    const samples: Summary[] = [];
    for (let t = 0; t <= duration; t += 15)
      samples.push({
        startTimeInSeconds: begin + t,
        latitudeInDegree: round(lat + t * 0.00001, 6),
        longitudeInDegree: round(lng + t * 0.00001, 6),
        elevationInMeters: round(400 + random() * 30, 1),
        heartRate: between(random, 110, 175),
        speedMetersPerSecond: round(speed * (0.8 + random() * 0.4), 2),
        totalDistanceInMeters: round(speed * t, 1),
        timerDurationInSeconds: t,
        clockDurationInSeconds: t,
        movingDurationInSeconds: t,
      });
    const laps = [];
    for (let t = 0; t < duration; t += 600) laps.push({ startTimeInSeconds: begin + t });
    add('activityDetails', { summaryId: `${activityId}-detail`, activityId, summary, samples, laps });
  }
  if (random() < 0.3)
    add('bodyComps', {
      summaryId: `${tag}-bc`,
      measurementTimeInSeconds: start + 7 * 3600,
      measurementTimeOffsetInSeconds: offsetSeconds,
      muscleMassInGrams: between(random, 25000, 30000),
      boneMassInGrams: between(random, 2300, 2600),
      bodyWaterInPercent: round(55 + random() * 5),
      bodyFatInPercent: round(15 + random() * 8),
      bodyMassIndex: round(21 + random() * 3),
      weightInGrams: between(random, 60000, 80000),
    });
  if (options.cycleStart) {
    const dayInCycle = Math.round((Date.parse(day) - Date.parse(options.cycleStart)) / 86_400_000) + 1;
    if (dayInCycle >= 1)
      add('mct', {
        summaryId: `${tag}-mct`,
        periodStartDate: options.cycleStart,
        dayInCycle,
        periodLength: 5,
        currentPhase: dayInCycle <= 5 ? 1 : dayInCycle <= 13 ? 2 : 3,
        currentPhaseType: dayInCycle <= 5 ? 'MENSTRUAL' : dayInCycle <= 13 ? 'FOLLICULAR' : 'LUTEAL',
        lengthOfCurrentPhase: dayInCycle <= 5 ? 5 : 8,
        daysUntilNextPhase: 2,
        predictedCycleLength: 28,
        isPredictedCycle: false,
        cycleLength: 28,
        lastUpdatedTimeInSeconds: start + 8 * 3600,
        hasSpecifiedCycleLength: false,
        hasSpecifiedPeriodLength: false,
        fertileWindowStart: 11,
        lengthOfFertileWindow: 6,
        pregnancySnapshot: {},
      });
  }
  return { summaries };
}
