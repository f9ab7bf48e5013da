import type { Dimension } from './units.ts';

/**
 * What Tributary knows about each HealthKit type: the Terra model it feeds, the physical
 * dimension of its value (values are stored converted to the dimension's canonical unit),
 * and how overlapping samples from several sources combine into a day's value.
 *
 * Overlap rules (see README "Apple Health"):
 * - `precedence`: cumulative metrics several devices measure at once (steps, distance,
 *   energy, flights, exercise and stand minutes). Within a day, a sample counts only for
 *   the part of its interval that no sample of a higher-priority source covers, pro rata.
 *   Source priority: Apple Watch > iPhone > any other source; ties by source name.
 * - `all`: every sample counts (heart rate, body measurements, nutrition entries): each is
 *   a distinct measurement or logged item, not a second count of the same movement.
 */
export type OverlapRule = 'precedence' | 'all';
export type SampleGroup = 'daily' | 'body' | 'nutrition';

export interface QuantityInfo {
  group: SampleGroup;
  dimension: Dimension;
  /** For `plain` values: units accepted as-is (the value is stored unconverted). */
  units?: readonly string[];
  overlap: OverlapRule;
}

const q = (
  group: SampleGroup,
  dimension: Dimension,
  overlap: OverlapRule,
  units?: readonly string[],
): QuantityInfo => ({ group, dimension, overlap, units });
const COUNT = ['count', ''] as const;
const PER_MIN = ['count/min', '/min'] as const;

export const HK = 'HKQuantityTypeIdentifier';

export const QUANTITY_TYPES: Readonly<Record<string, QuantityInfo>> = {
  [`${HK}StepCount`]: q('daily', 'plain', 'precedence', COUNT),
  [`${HK}DistanceWalkingRunning`]: q('daily', 'length', 'precedence'),
  [`${HK}DistanceWheelchair`]: q('daily', 'length', 'precedence'),
  [`${HK}DistanceCycling`]: q('daily', 'length', 'precedence'),
  [`${HK}DistanceSwimming`]: q('daily', 'length', 'precedence'),
  [`${HK}SwimmingStrokeCount`]: q('daily', 'plain', 'precedence', COUNT),
  [`${HK}FlightsClimbed`]: q('daily', 'plain', 'precedence', COUNT),
  [`${HK}ActiveEnergyBurned`]: q('daily', 'energy', 'precedence'),
  [`${HK}BasalEnergyBurned`]: q('daily', 'energy', 'precedence'),
  [`${HK}AppleExerciseTime`]: q('daily', 'time', 'precedence'),
  [`${HK}AppleStandTime`]: q('daily', 'time', 'precedence'),
  [`${HK}HeartRate`]: q('daily', 'plain', 'all', PER_MIN),
  [`${HK}RestingHeartRate`]: q('daily', 'plain', 'all', PER_MIN),
  [`${HK}WalkingHeartRateAverage`]: q('daily', 'plain', 'all', PER_MIN),
  [`${HK}HeartRateVariabilitySDNN`]: q('daily', 'plain', 'all', ['ms']),
  [`${HK}RespiratoryRate`]: q('daily', 'plain', 'all', PER_MIN),
  [`${HK}VO2Max`]: q('daily', 'plain', 'all', ['mL/min·kg', 'ml/(kg*min)', 'mL/(kg·min)', 'ml/kg/min']),
  [`${HK}OxygenSaturation`]: q('body', 'fraction', 'all'),
  [`${HK}BodyMass`]: q('body', 'mass', 'all'),
  [`${HK}Height`]: q('body', 'length', 'all'),
  [`${HK}BodyMassIndex`]: q('body', 'plain', 'all', COUNT),
  [`${HK}BodyFatPercentage`]: q('body', 'fraction', 'all'),
  [`${HK}LeanBodyMass`]: q('body', 'mass', 'all'),
  [`${HK}BloodPressureSystolic`]: q('body', 'pressure', 'all'),
  [`${HK}BloodPressureDiastolic`]: q('body', 'pressure', 'all'),
  [`${HK}BodyTemperature`]: q('body', 'temperature', 'all'),
  [`${HK}BloodGlucose`]: q('body', 'glucose', 'all'),
  [`${HK}DietaryEnergyConsumed`]: q('nutrition', 'energy', 'all'),
  [`${HK}DietaryProtein`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryCarbohydrates`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryFatTotal`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryFatSaturated`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryFatMonounsaturated`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryFatPolyunsaturated`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryFiber`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietarySugar`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietarySodium`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryCholesterol`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryCaffeine`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryCalcium`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryIron`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryPotassium`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryMagnesium`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryZinc`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryVitaminC`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryVitaminD`]: q('nutrition', 'mass', 'all'),
  [`${HK}DietaryWater`]: q('nutrition', 'volume', 'all'),
};

/** Nutrition types → Terra field, the unit it takes, and whether it is a macro or a micro. */
export const NUTRITION_FIELDS: Readonly<
  Record<string, { field: string; unit: 'kcal' | 'g' | 'mg' | 'mL'; part: 'macros' | 'micros' | 'water' }>
> = {
  [`${HK}DietaryEnergyConsumed`]: { field: 'calories', unit: 'kcal', part: 'macros' },
  [`${HK}DietaryProtein`]: { field: 'protein_g', unit: 'g', part: 'macros' },
  [`${HK}DietaryCarbohydrates`]: { field: 'carbohydrates_g', unit: 'g', part: 'macros' },
  [`${HK}DietaryFatTotal`]: { field: 'fat_g', unit: 'g', part: 'macros' },
  [`${HK}DietaryFatSaturated`]: { field: 'saturated_fat_g', unit: 'g', part: 'macros' },
  [`${HK}DietaryFiber`]: { field: 'fiber_g', unit: 'g', part: 'macros' },
  [`${HK}DietarySugar`]: { field: 'sugar_g', unit: 'g', part: 'macros' },
  [`${HK}DietarySodium`]: { field: 'sodium_mg', unit: 'mg', part: 'macros' },
  [`${HK}DietaryCholesterol`]: { field: 'cholesterol_mg', unit: 'mg', part: 'macros' },
  [`${HK}DietaryFatMonounsaturated`]: { field: 'monounsaturated_fat_g', unit: 'g', part: 'micros' },
  [`${HK}DietaryFatPolyunsaturated`]: { field: 'polyunsaturated_fat_g', unit: 'g', part: 'micros' },
  [`${HK}DietaryCaffeine`]: { field: 'caffeine_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryCalcium`]: { field: 'calcium_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryIron`]: { field: 'iron_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryPotassium`]: { field: 'potassium_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryMagnesium`]: { field: 'magnesium_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryZinc`]: { field: 'zinc_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryVitaminC`]: { field: 'vitamin_C_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryVitaminD`]: { field: 'vitamin_D_mg', unit: 'mg', part: 'micros' },
  [`${HK}DietaryWater`]: { field: 'water_ml', unit: 'mL', part: 'water' },
};

export const SLEEP_TYPE = 'HKCategoryTypeIdentifierSleepAnalysis';
export const MENSTRUAL_FLOW_TYPE = 'HKCategoryTypeIdentifierMenstrualFlow';
export const STAND_HOUR_TYPE = 'HKCategoryTypeIdentifierAppleStandHour';
/** Pseudo-type under which activity summaries (rings) are kept in the sample table. */
export const ACTIVITY_SUMMARY_TYPE = 'HKActivitySummary';

/** Category values: HealthKit's integer raw values and the export's text names. */
export const CATEGORY_VALUES: Readonly<Record<string, readonly string[]>> = {
  // HKCategoryValueSleepAnalysis: inBed 0, asleepUnspecified 1, awake 2, asleepCore 3, asleepDeep 4, asleepREM 5
  [SLEEP_TYPE]: [
    'HKCategoryValueSleepAnalysisInBed',
    'HKCategoryValueSleepAnalysisAsleepUnspecified',
    'HKCategoryValueSleepAnalysisAwake',
    'HKCategoryValueSleepAnalysisAsleepCore',
    'HKCategoryValueSleepAnalysisAsleepDeep',
    'HKCategoryValueSleepAnalysisAsleepREM',
  ],
  // HKCategoryValueVaginalBleeding (formerly MenstrualFlow): unspecified 1, light 2, medium 3, heavy 4, none 5
  [MENSTRUAL_FLOW_TYPE]: [
    '',
    'HKCategoryValueMenstrualFlowUnspecified',
    'HKCategoryValueMenstrualFlowLight',
    'HKCategoryValueMenstrualFlowMedium',
    'HKCategoryValueMenstrualFlowHeavy',
    'HKCategoryValueMenstrualFlowNone',
  ],
  // HKCategoryValueAppleStandHour: stood 0, idle 1
  [STAND_HOUR_TYPE]: ['HKCategoryValueAppleStandHourStood', 'HKCategoryValueAppleStandHourIdle'],
};

/** Older exports write `HKCategoryValueSleepAnalysisAsleep` (iOS < 16) for "asleep, stage unknown". */
const CATEGORY_ALIASES: Readonly<Record<string, string>> = {
  HKCategoryValueSleepAnalysisAsleep: 'HKCategoryValueSleepAnalysisAsleepUnspecified',
  HKCategoryValueVaginalBleedingUnspecified: 'HKCategoryValueMenstrualFlowUnspecified',
  HKCategoryValueVaginalBleedingLight: 'HKCategoryValueMenstrualFlowLight',
  HKCategoryValueVaginalBleedingMedium: 'HKCategoryValueMenstrualFlowMedium',
  HKCategoryValueVaginalBleedingHeavy: 'HKCategoryValueMenstrualFlowHeavy',
  HKCategoryValueVaginalBleedingNone: 'HKCategoryValueMenstrualFlowNone',
};

/** The canonical text name of a category value given as HealthKit's integer or a name; undefined if unknown. */
export function categoryValueName(type: string, value: number | string): string | undefined {
  const names = CATEGORY_VALUES[type];
  if (!names) return undefined;
  if (typeof value === 'number') {
    const name = names[value];
    return name ? name : undefined;
  }
  const name = CATEGORY_ALIASES[value] ?? value;
  return names.includes(name) ? name : undefined;
}

export function isKnownType(type: string): boolean {
  return type in QUANTITY_TYPES || type in CATEGORY_VALUES;
}

/** HKWorkoutActivityType (name without the prefix) → Terra ActivityType code. */
const WORKOUT_TYPES: Readonly<Record<string, number>> = {
  AmericanFootball: 27,
  Archery: 119,
  AustralianFootball: 28,
  Badminton: 10,
  Barre: 49,
  Baseball: 11,
  Basketball: 12,
  Bowling: 108,
  Boxing: 20,
  CardioDance: 24,
  Climbing: 52,
  Cooldown: 125,
  CoreTraining: 21,
  Cricket: 23,
  CrossCountrySkiing: 67,
  CrossTraining: 22,
  Curling: 106,
  Cycling: 1,
  Dance: 24,
  DanceInspiredTraining: 24,
  DiscSports: 30,
  DownhillSkiing: 68,
  Elliptical: 25,
  EquestrianSports: 37,
  Fencing: 26,
  Fishing: 131,
  FitnessGaming: 108,
  Flexibility: 125,
  FunctionalStrengthTraining: 80,
  Golf: 32,
  Gymnastics: 33,
  HandCycling: 14,
  Handball: 34,
  HighIntensityIntervalTraining: 114,
  Hiking: 35,
  Hockey: 36,
  Hunting: 108,
  JumpRope: 39,
  Kickboxing: 42,
  Lacrosse: 124,
  MartialArts: 44,
  MindAndBody: 45,
  MixedCardio: 123,
  MixedMetabolicCardioTraining: 123,
  Other: 108,
  PaddleSports: 129,
  Pickleball: 108,
  Pilates: 49,
  Play: 108,
  PreparationAndRecovery: 125,
  Racquetball: 51,
  Rowing: 53,
  Rugby: 55,
  Running: 8,
  Sailing: 59,
  SkatingSports: 62,
  Snowboarding: 73,
  SnowSports: 65,
  Soccer: 29,
  SocialDance: 24,
  Softball: 120,
  Squash: 76,
  StairClimbing: 77,
  Stairs: 77,
  StepTraining: 9,
  SurfingSports: 81,
  SwimBikeRun: 126,
  Swimming: 82,
  TableTennis: 85,
  TaiChi: 44,
  Tennis: 87,
  TrackAndField: 8,
  TraditionalStrengthTraining: 97,
  Transition: 108,
  UnderwaterDiving: 102,
  Volleyball: 89,
  Walking: 7,
  WaterFitness: 82,
  WaterPolo: 96,
  WaterSports: 108,
  WheelchairRunPace: 98,
  WheelchairWalkPace: 98,
  Wrestling: 44,
  Yoga: 100,
};

const INDOOR_VARIANTS: Readonly<Record<number, number>> = { 8: 133, 7: 95, 1: 18 };

/**
 * Terra's ActivityType for a workout. Accepts `HKWorkoutActivityTypeRunning`, `Running`
 * or HealthKit's integer raw value name is not needed: the SDK client sends the name.
 * Indoor runs, walks and rides, and pool/open-water swims, get their specific codes.
 */
export function workoutActivityType(
  name: string,
  context: { indoor?: boolean; swimmingLocation?: number } = {},
): number {
  const short = name.replace(/^HKWorkoutActivityType/, '');
  const code = WORKOUT_TYPES[short] ?? 108;
  if (context.indoor && INDOOR_VARIANTS[code] !== undefined) return INDOOR_VARIANTS[code];
  if (code === 82 && context.swimmingLocation === 1) return 83;
  if (code === 82 && context.swimmingLocation === 2) return 84;
  return code;
}

/** A readable workout name from the HealthKit type: `HKWorkoutActivityTypeFunctionalStrengthTraining` → "Functional Strength Training". */
export function workoutDisplayName(name: string): string {
  return name
    .replace(/^HKWorkoutActivityType/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

/**
 * Source priority tier (higher wins): 3 Apple Watch, 2 iPhone, 1 anything else (third-party
 * apps, manual entries). Decided from the device model/hardware when known, else from the
 * source's name or bundle id.
 */
export function sourceTier(source: {
  name?: string | null;
  bundleId?: string | null;
  deviceModel?: string | null;
  hardware?: string | null;
}): number {
  const device = `${source.deviceModel ?? ''} ${source.hardware ?? ''}`;
  if (/watch/i.test(device)) return 3;
  if (/iphone/i.test(device)) return 2;
  if (device.trim()) return 1;
  const label = `${source.name ?? ''} ${source.bundleId ?? ''}`;
  if (/apple ?watch|com\.apple\.health\.[0-9A-F-]{36}\.watch/i.test(label)) return 3;
  if (/iphone/i.test(label)) return 2;
  return 1;
}
