/**
 * Sport names of the file formats ↔ Terra ActivityType codes (terra-contract §4.1).
 * FIT names are the @garmin/fitsdk profile strings (camelCase).
 */
export const ACTIVITY_TYPE = {
  BIKING: 1,
  UNKNOWN: 4,
  WALKING: 7,
  RUNNING: 8,
  MOUNTAIN_BIKING: 15,
  ROAD_BIKING: 16,
  SPINNING: 17,
  STATIONARY_BIKING: 18,
  BOXING: 20,
  ELLIPTICAL: 25,
  GOLF: 32,
  HIKING: 35,
  KAYAKING: 40,
  PILATES: 49,
  ROCK_CLIMBING: 52,
  ROWING: 53,
  ROWING_MACHINE: 54,
  TREADMILL_RUNNING: 58,
  SKIING: 65,
  CROSS_COUNTRY_SKIING: 67,
  DOWNHILL_SKIING: 68,
  SNOWBOARDING: 73,
  STAIR_CLIMBING_MACHINE: 78,
  STAND_UP_PADDLEBOARDING: 79,
  STRENGTH_TRAINING: 80,
  SURFING: 81,
  SWIMMING: 82,
  SWIMMING_SWIMMING_POOL: 83,
  SWIMMING_OPEN_WATER: 84,
  TENNIS: 87,
  WALKING_TREADMILL: 95,
  YOGA: 100,
  OTHER: 108,
  HIIT: 114,
  CARDIO_TRAINING: 123,
  TRIATHLON: 126,
  PADDLING: 129,
  MOUNTAINEERING: 130,
  INDOOR_RUNNING: 133,
} as const;

const T = ACTIVITY_TYPE;

const FIT_SUB_SPORT: Record<string, number> = {
  treadmill: T.TREADMILL_RUNNING,
  indoorRunning: T.INDOOR_RUNNING,
  road: T.ROAD_BIKING,
  mountain: T.MOUNTAIN_BIKING,
  spin: T.SPINNING,
  indoorCycling: T.STATIONARY_BIKING,
  virtualActivity: T.STATIONARY_BIKING,
  lapSwimming: T.SWIMMING_SWIMMING_POOL,
  openWater: T.SWIMMING_OPEN_WATER,
  indoorRowing: T.ROWING_MACHINE,
  elliptical: T.ELLIPTICAL,
  stairClimbing: T.STAIR_CLIMBING_MACHINE,
  strengthTraining: T.STRENGTH_TRAINING,
  cardioTraining: T.CARDIO_TRAINING,
  yoga: T.YOGA,
  pilates: T.PILATES,
  indoorWalking: T.WALKING_TREADMILL,
};

const FIT_SPORT: Record<string, number> = {
  running: T.RUNNING,
  cycling: T.BIKING,
  eBiking: T.BIKING,
  walking: T.WALKING,
  hiking: T.HIKING,
  swimming: T.SWIMMING,
  rowing: T.ROWING,
  training: T.STRENGTH_TRAINING,
  fitnessEquipment: T.CARDIO_TRAINING,
  crossCountrySkiing: T.CROSS_COUNTRY_SKIING,
  alpineSkiing: T.DOWNHILL_SKIING,
  snowboarding: T.SNOWBOARDING,
  paddling: T.PADDLING,
  standUpPaddleboarding: T.STAND_UP_PADDLEBOARDING,
  kayaking: T.KAYAKING,
  golf: T.GOLF,
  tennis: T.TENNIS,
  hiit: T.HIIT,
  boxing: T.BOXING,
  surfing: T.SURFING,
  rockClimbing: T.ROCK_CLIMBING,
  mountaineering: T.MOUNTAINEERING,
  multisport: T.TRIATHLON,
  transition: T.OTHER,
  generic: T.OTHER,
};

/** Terra ActivityType of a FIT session's sport and sub sport. */
export function activityTypeFromFit(sport: unknown, subSport: unknown): number {
  if (typeof subSport === 'string' && FIT_SUB_SPORT[subSport] !== undefined) return FIT_SUB_SPORT[subSport];
  if (typeof sport === 'string' && FIT_SPORT[sport] !== undefined) return FIT_SPORT[sport];
  return T.OTHER;
}

/** FIT sport and sub sport for a Terra ActivityType (FIT out). */
export function fitSportOf(type: unknown): { sport: string; subSport: string } {
  for (const [subSport, code] of Object.entries(FIT_SUB_SPORT)) {
    if (code === type) return { sport: SUB_SPORT_PARENT[subSport] ?? 'generic', subSport };
  }
  for (const [sport, code] of Object.entries(FIT_SPORT)) {
    if (code === type) return { sport, subSport: 'generic' };
  }
  return { sport: 'generic', subSport: 'generic' };
}

const SUB_SPORT_PARENT: Record<string, string> = {
  treadmill: 'running',
  indoorRunning: 'running',
  road: 'cycling',
  mountain: 'cycling',
  spin: 'cycling',
  indoorCycling: 'cycling',
  virtualActivity: 'cycling',
  lapSwimming: 'swimming',
  openWater: 'swimming',
  indoorRowing: 'rowing',
  elliptical: 'fitnessEquipment',
  stairClimbing: 'fitnessEquipment',
  strengthTraining: 'training',
  cardioTraining: 'training',
  yoga: 'training',
  pilates: 'training',
  indoorWalking: 'walking',
};

/** TCX `Sport` attribute (Running, Biking, Other) and GPX `<type>` free text. */
export function activityTypeFromName(name: string | undefined): number {
  const text = (name ?? '').toLowerCase().replace(/[\s_-]+/g, '');
  if (!text) return T.UNKNOWN;
  if (/treadmill/.test(text)) return T.TREADMILL_RUNNING;
  if (/run|jog/.test(text)) return T.RUNNING;
  if (/mountainbik|mtb/.test(text)) return T.MOUNTAIN_BIKING;
  if (/bik|cycl|ride|biking/.test(text)) return T.BIKING;
  if (/hik/.test(text)) return T.HIKING;
  if (/walk/.test(text)) return T.WALKING;
  if (/swim/.test(text)) return T.SWIMMING;
  if (/row/.test(text)) return T.ROWING;
  if (/ski/.test(text)) return T.SKIING;
  if (/paddl|sup/.test(text)) return T.PADDLING;
  if (/kayak/.test(text)) return T.KAYAKING;
  return T.OTHER;
}
