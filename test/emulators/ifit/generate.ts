/**
 * Realistic iFit workouts for the emulator: every documented `type`, per-sample `stats`
 * shaped like ifit-api.md (offsets in ms from start, cumulative meters/calories/steps),
 * and library workouts with routes for the outdoor-video types. Seeded, so a test run
 * is reproducible.
 */

export type Random = () => number;

/** mulberry32: a tiny seeded PRNG. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORKOUT_TYPES = [
  'run',
  'walk',
  'hike',
  'cycle',
  'row',
  'elliptical',
  'strength',
  'yoga',
  'other',
] as const;
export type WorkoutType = (typeof WORKOUT_TYPES)[number];

export interface SamplePoint {
  offset: number;
  value: number;
}

export interface LibraryWorkout {
  id: string;
  title: string;
  has_geo_data: boolean;
  geo?: { path: { type: 'LineString'; coordinates: number[][] } };
  type: WorkoutType;
  difficulty: number;
  [key: string]: unknown;
}

export interface ActivityLog {
  id: string;
  workout_id: string | null;
  user_id: string;
  type: WorkoutType;
  start: number;
  end: number;
  duration: number;
  summary: { total_meters: number; total_calories: number; total_steps: number };
  origin: string;
  software_number: number;
  machine_id: string;
  wolf_generated_id: string;
  workout_context: string;
  stats: Partial<Record<string, SamplePoint[]>>;
  [key: string]: unknown;
}

export function hexId(random: Random): string {
  let out = '';
  for (let i = 0; i < 24; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

interface Profile {
  minutes: [number, number];
  speed?: [number, number]; // m/s
  watts?: [number, number];
  rpm?: [number, number];
  stepsPerMeter?: number;
  incline?: [number, number];
  resistance?: [number, number];
  kcalPerMinute: [number, number];
  hr: [number, number];
  route: boolean;
  machine: string;
  titles: string[];
}

const PROFILES: Record<WorkoutType, Profile> = {
  run: {
    minutes: [20, 50],
    speed: [2.6, 3.8],
    stepsPerMeter: 0.72,
    incline: [-1, 4],
    kcalPerMinute: [9, 13],
    hr: [135, 172],
    route: true,
    machine: 'NordicTrack Commercial 2950',
    titles: ['Lake Bled Loop, Slovenia', 'Cinque Terre Coastal Run, Italy', 'Central Park Morning Run, New York'],
  },
  walk: {
    minutes: [20, 60],
    speed: [1.2, 1.8],
    stepsPerMeter: 1.35,
    incline: [0, 8],
    kcalPerMinute: [4, 7],
    hr: [95, 125],
    route: true,
    machine: 'NordicTrack Commercial 1750',
    titles: ['Kyoto Temple Walk, Japan', 'Edinburgh Old Town Walk, Scotland'],
  },
  hike: {
    minutes: [30, 75],
    speed: [0.9, 1.4],
    stepsPerMeter: 1.4,
    incline: [4, 15],
    kcalPerMinute: [6, 10],
    hr: [110, 150],
    route: true,
    machine: 'NordicTrack X22i Incline Trainer',
    titles: ['Mount Kilimanjaro Summit Push, Tanzania', 'Torres del Paine Trek, Chile'],
  },
  cycle: {
    minutes: [20, 60],
    speed: [6.5, 10],
    watts: [120, 260],
    rpm: [75, 100],
    resistance: [6, 18],
    incline: [-3, 6],
    kcalPerMinute: [8, 14],
    hr: [125, 165],
    route: true,
    machine: 'NordicTrack S22i Studio Cycle',
    titles: ['Princes’ Islands Train-to-Terrain Ride, Istanbul, Turkey', 'Tour de Mont Blanc Climb, France'],
  },
  row: {
    minutes: [15, 40],
    speed: [2.2, 3],
    watts: [110, 220],
    rpm: [22, 30],
    resistance: [8, 20],
    kcalPerMinute: [8, 12],
    hr: [130, 165],
    route: false,
    machine: 'NordicTrack RW900 Rower',
    titles: ['Rowing Intervals: Pyramid', 'Steady State Row on the Thames'],
  },
  elliptical: {
    minutes: [20, 45],
    speed: [2, 3],
    watts: [100, 200],
    rpm: [55, 75],
    resistance: [5, 15],
    incline: [0, 10],
    kcalPerMinute: [7, 11],
    hr: [120, 155],
    route: false,
    machine: 'NordicTrack FS14i FreeStride',
    titles: ['Elliptical Endurance Builder', 'FreeStride HIIT'],
  },
  strength: {
    minutes: [15, 40],
    kcalPerMinute: [4, 7],
    hr: [95, 140],
    route: false,
    machine: 'NordicTrack Vault',
    titles: ['Full Body Strength with Dumbbells', 'Upper Body Power'],
  },
  yoga: {
    minutes: [15, 45],
    kcalPerMinute: [2, 4],
    hr: [70, 105],
    route: false,
    machine: 'iFit app',
    titles: ['Morning Flow Yoga', 'Yoga for Runners'],
  },
  other: {
    minutes: [10, 30],
    kcalPerMinute: [4, 8],
    hr: [90, 130],
    route: false,
    machine: 'iFit app',
    titles: ['Mobility and Stretch', 'Core Blast'],
  },
};

const START_POINTS: [number, number][] = [
  [14.093, 46.363],
  [9.71, 44.135],
  [-73.97, 40.78],
  [29.09, 40.87],
  [6.865, 45.83],
];

const between = (random: Random, [low, high]: [number, number]) => low + (high - low) * random();
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A library workout of `type`; outdoor types get a route of about `routeMeters`. */
export function generateLibraryWorkout(random: Random, type: WorkoutType, routeMeters = 15_000): LibraryWorkout {
  const profile = PROFILES[type];
  const title = profile.titles[Math.floor(random() * profile.titles.length)]!;
  const workout: LibraryWorkout = {
    id: hexId(random),
    title,
    has_geo_data: profile.route,
    type,
    difficulty: 1 + Math.floor(random() * 5),
    trainer: 'iFit Trainer',
    description: `${title} — an iFit workout.`,
  };
  if (profile.route) {
    const [lon0, lat0] = START_POINTS[Math.floor(random() * START_POINTS.length)]!;
    const coordinates: number[][] = [];
    let lon = lon0;
    let lat = lat0;
    let heading = random() * Math.PI * 2;
    let elevation = 50 + random() * 400;
    for (let along = 0; along <= routeMeters; along += 40) {
      coordinates.push([round(lon, 6), round(lat, 6), round(elevation, 1)]);
      heading += (random() - 0.5) * 0.4;
      lat += (40 * Math.cos(heading)) / 111_320;
      lon += (40 * Math.sin(heading)) / (111_320 * Math.cos((lat * Math.PI) / 180));
      elevation = Math.max(0, elevation + (random() - 0.45) * 2);
    }
    workout.geo = { path: { type: 'LineString', coordinates } };
  }
  return workout;
}

export interface GenerateLogOptions {
  userId: string;
  type: WorkoutType;
  start: number;
  workout: LibraryWorkout | null;
  /** Seconds between samples. */
  sampleSeconds?: number;
  /** No heart-rate strap: every bpm is 0, as iFit reports it. */
  noStrap?: boolean;
  /** Imported from another app: no stats at all. */
  imported?: boolean;
}

export function generateActivityLog(random: Random, options: GenerateLogOptions): ActivityLog {
  const profile = PROFILES[options.type];
  const durationS = Math.round(between(random, profile.minutes) * 60);
  const step = options.sampleSeconds ?? 10;
  const stats: Record<string, SamplePoint[]> = {};
  const push = (key: string, offset: number, value: number) =>
    (stats[key] ??= []).push({ offset: offset * 1000, value: round(value) });
  let meters = 0;
  let kcal = 0;
  let steps = 0;
  let elevation = options.workout?.geo?.path.coordinates[0]?.[2] ?? 100 + random() * 50;
  const kcalPerSecond = between(random, profile.kcalPerMinute) / 60;
  const baseSpeed = profile.speed ? between(random, profile.speed) : 0;
  const baseWatts = profile.watts ? between(random, profile.watts) : 0;
  const baseRpm = profile.rpm ? between(random, profile.rpm) : 0;
  const [hrLow, hrHigh] = profile.hr;
  for (let t = 0; t <= durationS; t += step) {
    const warm = Math.min(1, t / 300);
    const wave = Math.sin(t / 240);
    push(
      'bpm',
      t,
      options.noStrap
        ? 0
        : Math.round(hrLow + (hrHigh - hrLow) * (0.35 + 0.5 * warm + 0.1 * wave) + (random() - 0.5) * 4),
    );
    push('calories', t, kcal);
    if (profile.speed) {
      const speed = Math.max(0, baseSpeed * (0.6 + 0.4 * warm) * (1 + 0.08 * wave));
      push('mps', t, speed);
      push('meters', t, meters);
      meters += speed * step;
    }
    if (profile.stepsPerMeter) push('steps', t, Math.round(steps));
    if (profile.watts)
      push('watts', t, Math.max(0, baseWatts * (0.5 + 0.5 * warm) * (1 + 0.15 * wave) + (random() - 0.5) * 10));
    if (profile.rpm) push('rpm', t, Math.max(0, baseRpm * (0.8 + 0.2 * warm) + (random() - 0.5) * 4));
    if (profile.incline) push('incline', t, round(between(random, profile.incline), 1));
    if (profile.resistance) push('resistance', t, Math.round(between(random, profile.resistance)));
    if (options.workout?.has_geo_data) {
      elevation += (random() - 0.45) * 0.8;
      push('elevation', t, elevation);
    }
    kcal += kcalPerSecond * step;
    if (profile.stepsPerMeter && profile.speed) steps += baseSpeed * step * profile.stepsPerMeter;
  }
  const lastMeters = stats.meters?.at(-1)?.value ?? 0;
  const log: ActivityLog = {
    id: hexId(random),
    workout_id: options.workout?.id ?? null,
    user_id: options.userId,
    type: options.type,
    start: options.start,
    end: options.start + durationS * 1000,
    duration: durationS * 1000,
    summary: {
      total_meters: lastMeters,
      total_calories: round(stats.calories!.at(-1)!.value, 1),
      total_steps: stats.steps?.at(-1)?.value ?? 0,
    },
    origin: options.imported ? 'google-fit' : 'ifit',
    software_number: 424992,
    machine_id: profile.machine,
    wolf_generated_id: hexId(random),
    workout_context: options.workout ? 'library' : 'manual',
    redundant: false,
    stats: options.imported ? {} : stats,
  };
  return log;
}
