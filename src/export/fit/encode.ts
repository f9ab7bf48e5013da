import { Encoder, Profile } from '@garmin/fitsdk';
import { TributaryError } from '../../core/errors.ts';
import type { TerraRecord } from '../../model/data-types.ts';
import type { TrackPoint } from '../../formats/activity.ts';
import { fitSportOf } from '../../formats/sport.ts';

type Obj = Record<string, unknown>;

const DEG_TO_SEMICIRCLES = 2 ** 31 / 180;
/** Largest value the 16-bit `speed` field holds (scale 1000); faster goes only into enhanced_speed. */
const MAX_SPEED_FIELD = 65.534;

/** One record message: a track point (the decoders' shape), series present only where the activity has them. */
type RecordRow = TrackPoint;

/**
 * Writes Terra Activities as one FIT activity file with @garmin/fitsdk's Encoder:
 * file_id, device_info, timer events, one record per second that has samples (time,
 * position, distance, speed, heart rate, power, cadence, altitude), laps, one session per
 * activity, and the activity message. Values are the stored ones at FIT's resolution
 * (whole seconds, semicircles, cm, mm/s, 0.2 m altitude); series the activity lacks are
 * not written. A FIT session needs a lap, so an activity without lap_data gets one lap
 * spanning it.
 */
export function encodeActivitiesFit(activities: readonly TerraRecord[]): Uint8Array {
  if (activities.length === 0) throw new TributaryError('not_found', 'no activity to write as FIT');
  const sessions = activities.map(sessionOf).sort((a, b) => a.startMs - b.startMs);
  const first = sessions[0];
  const last = sessions.at(-1)!;
  const encoder = new Encoder();
  const write = (mesgNum: number, mesg: Obj) => encoder.onMesg(mesgNum, mesg);
  const device = (activities[0].device_data ?? {}) as Obj;
  write(Profile.MesgNum.FILE_ID, {
    type: 'activity',
    manufacturer: 'development',
    product: 0,
    timeCreated: date(first.startMs),
    ...(typeof device.name === 'string' && device.name ? { productName: device.name.slice(0, 60) } : {}),
  });
  write(Profile.MesgNum.DEVICE_INFO, {
    timestamp: date(first.startMs),
    deviceIndex: 'creator',
    manufacturer: 'development',
    product: 0,
    ...(typeof device.name === 'string' && device.name ? { productName: device.name.slice(0, 60) } : {}),
  });
  write(Profile.MesgNum.EVENT, { timestamp: date(first.startMs), event: 'timer', eventType: 'start' });
  // Multisport layout: each session's records, then its laps, then the session.
  let lapIndex = 0;
  for (const [index, session] of sessions.entries()) {
    for (const row of session.rows) write(Profile.MesgNum.RECORD, recordMesg(row));
    const sessionLaps = session.laps.length > 0 ? session.laps : [{ startMs: session.startMs, endMs: session.endMs }];
    const firstLapIndex = lapIndex;
    for (const lap of sessionLaps) write(Profile.MesgNum.LAP, lapMesg(lap, lapIndex++, session.sport));
    write(Profile.MesgNum.SESSION, sessionMesg(session, index, firstLapIndex, sessionLaps.length));
  }
  write(Profile.MesgNum.EVENT, { timestamp: date(last.endMs), event: 'timer', eventType: 'stopAll' });
  const totalTimer = sessions.reduce((sum, s) => sum + s.timerSeconds, 0);
  write(Profile.MesgNum.ACTIVITY, {
    timestamp: date(last.endMs),
    totalTimerTime: totalTimer,
    numSessions: sessions.length,
    type: 'manual',
    event: 'activity',
    eventType: 'stop',
  });
  return encoder.close();
}

interface LapInput {
  startMs: number;
  endMs: number;
  distance?: number;
  calories?: number;
  avgHr?: number;
  avgSpeed?: number;
  totalStrokes?: number;
  strokeType?: string;
}

interface SessionInput {
  startMs: number;
  endMs: number;
  timerSeconds: number;
  sport: { sport: string; subSport: string };
  rows: RecordRow[];
  laps: LapInput[];
  summary: Obj;
}

function sessionOf(activity: TerraRecord): SessionInput {
  const metadata = (activity.metadata ?? {}) as Obj;
  const startMs = Date.parse(String(metadata.start_time));
  const endMs = Date.parse(String(metadata.end_time));
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
    throw new TributaryError(
      'bad_request',
      `activity ${String(metadata.summary_id)} has no valid start_time/end_time, so it cannot be written as FIT`,
    );
  }
  const heart = (activity.heart_rate_data ?? {}) as Obj;
  const distance = (activity.distance_data ?? {}) as Obj;
  const movement = (activity.movement_data ?? {}) as Obj;
  const power = (activity.power_data ?? {}) as Obj;
  const position = (activity.position_data ?? {}) as Obj;
  const rows = new Map<number, RecordRow>();
  const rowAt = (timestamp: unknown): RecordRow | undefined => {
    const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(ms)) return undefined;
    const second = Math.floor(ms / 1000) * 1000;
    let row = rows.get(second);
    if (!row) rows.set(second, (row = { t: second }));
    return row;
  };
  const each = (samples: unknown, apply: (row: RecordRow, sample: Obj) => void) => {
    if (!Array.isArray(samples)) return;
    for (const sample of samples as Obj[]) {
      const row = rowAt(sample.timestamp);
      if (row) apply(row, sample);
    }
  };
  const detailedHr = ((heart.detailed ?? {}) as Obj).hr_samples;
  each(detailedHr, (row, s) => (row.hr = numberOr(s.bpm, row.hr)));
  const detailedDistance = (distance.detailed ?? {}) as Obj;
  each(detailedDistance.distance_samples, (row, s) => (row.distance = numberOr(s.distance_meters, row.distance)));
  each(detailedDistance.elevation_samples, (row, s) => (row.altitude = numberOr(s.elev_meters, row.altitude)));
  each(movement.speed_samples, (row, s) => (row.speed = numberOr(s.speed_meters_per_second, row.speed)));
  each(movement.cadence_samples, (row, s) => (row.cadence = numberOr(s.cadence_rpm, row.cadence)));
  each(power.power_samples, (row, s) => (row.power = numberOr(s.watts, row.power)));
  each(position.position_samples, (row, s) => {
    const coords = s.coords_lat_lng_deg;
    if (Array.isArray(coords) && typeof coords[0] === 'number' && typeof coords[1] === 'number') {
      row.lat = coords[0];
      row.lng = coords[1];
    }
  });
  const summary = (distance.summary ?? {}) as Obj;
  const laps = (((activity.lap_data ?? {}) as Obj).laps ?? []) as Obj[];
  const elapsed = Math.max(0, (endMs - startMs) / 1000);
  const timer = numberOr(((activity.active_durations_data ?? {}) as Obj).activity_seconds, undefined);
  return {
    startMs,
    endMs,
    timerSeconds: timer ?? elapsed,
    sport: fitSportOf(metadata.type),
    rows: [...rows.values()].sort((a, b) => a.t - b.t),
    laps: laps
      .map((lap) => ({
        startMs: Date.parse(String(lap.start_time)),
        endMs: Date.parse(String(lap.end_time)),
        distance: numberOr(lap.distance_meters, undefined),
        calories: numberOr(lap.calories, undefined),
        avgHr: numberOr(lap.avg_hr_bpm, undefined),
        avgSpeed: numberOr(lap.avg_speed_meters_per_second, undefined),
        totalStrokes: numberOr(lap.total_strokes, undefined),
        strokeType: typeof lap.stroke_type === 'string' ? lap.stroke_type : undefined,
      }))
      .filter((lap) => !Number.isNaN(lap.startMs) && !Number.isNaN(lap.endMs)),
    summary: {
      distance: numberOr(summary.distance_meters, undefined),
      calories: numberOr(((activity.calories_data ?? {}) as Obj).total_burned_calories, undefined),
      avgHr: numberOr(((heart.summary ?? {}) as Obj).avg_hr_bpm, undefined),
      maxHr: numberOr(((heart.summary ?? {}) as Obj).max_hr_bpm, undefined),
      minHr: numberOr(((heart.summary ?? {}) as Obj).min_hr_bpm, undefined),
      avgSpeed: numberOr(movement.avg_speed_meters_per_second, undefined),
      maxSpeed: numberOr(movement.max_speed_meters_per_second, undefined),
      avgCadence: numberOr(movement.avg_cadence_rpm, undefined),
      maxCadence: numberOr(movement.max_cadence_rpm, undefined),
      avgPower: numberOr(power.avg_watts, undefined),
      maxPower: numberOr(power.max_watts, undefined),
      ascent: numberOr(((summary.elevation ?? {}) as Obj).gain_actual_meters, undefined),
      descent: numberOr(((summary.elevation ?? {}) as Obj).loss_actual_meters, undefined),
      steps: numberOr(summary.steps, undefined),
      poolLength: numberOr(((summary.swimming ?? {}) as Obj).pool_length_meters, undefined),
      numLengths: numberOr(((summary.swimming ?? {}) as Obj).num_laps, undefined),
      numStrokes: numberOr(((summary.swimming ?? {}) as Obj).num_strokes, undefined),
      workJ: numberOr(((activity.work_data ?? {}) as Obj).work_kilojoules, undefined),
    },
  };
}

function recordMesg(row: RecordRow): Obj {
  const mesg: Obj = { timestamp: date(row.t) };
  if (row.lat !== undefined && row.lng !== undefined) {
    mesg.positionLat = Math.round(row.lat * DEG_TO_SEMICIRCLES);
    mesg.positionLong = Math.round(row.lng * DEG_TO_SEMICIRCLES);
  }
  if (row.altitude !== undefined) {
    mesg.enhancedAltitude = row.altitude;
    if (row.altitude >= -500 && row.altitude <= 12_000) mesg.altitude = row.altitude;
  }
  if (row.distance !== undefined) mesg.distance = row.distance;
  if (row.speed !== undefined) {
    mesg.enhancedSpeed = row.speed;
    if (row.speed <= MAX_SPEED_FIELD) mesg.speed = row.speed;
  }
  if (row.hr !== undefined) mesg.heartRate = clamp(Math.round(row.hr), 0, 254);
  if (row.cadence !== undefined) mesg.cadence = clamp(Math.round(row.cadence), 0, 254);
  if (row.power !== undefined) mesg.power = clamp(Math.round(row.power), 0, 65_534);
  return mesg;
}

function lapMesg(lap: LapInput, messageIndex: number, sport: { sport: string; subSport: string }): Obj {
  const elapsed = Math.max(0, (lap.endMs - lap.startMs) / 1000);
  const mesg: Obj = {
    messageIndex,
    timestamp: date(lap.endMs),
    startTime: date(lap.startMs),
    totalElapsedTime: elapsed,
    totalTimerTime: elapsed,
    event: 'lap',
    eventType: 'stop',
    sport: sport.sport,
    subSport: sport.subSport,
  };
  if (lap.distance !== undefined) mesg.totalDistance = lap.distance;
  if (lap.calories !== undefined) mesg.totalCalories = Math.round(lap.calories);
  if (lap.avgHr !== undefined) mesg.avgHeartRate = clamp(Math.round(lap.avgHr), 0, 254);
  if (lap.avgSpeed !== undefined) mesg.enhancedAvgSpeed = lap.avgSpeed;
  if (lap.totalStrokes !== undefined) mesg.totalCycles = Math.round(lap.totalStrokes);
  if (lap.strokeType !== undefined && lap.strokeType !== 'other') mesg.swimStroke = lap.strokeType;
  return mesg;
}

function sessionMesg(session: SessionInput, messageIndex: number, firstLapIndex: number, numLaps: number): Obj {
  const s = session.summary as Record<string, number | undefined>;
  const mesg: Obj = {
    messageIndex,
    timestamp: date(session.endMs),
    startTime: date(session.startMs),
    totalElapsedTime: Math.max(0, (session.endMs - session.startMs) / 1000),
    totalTimerTime: session.timerSeconds,
    event: 'session',
    eventType: 'stop',
    sport: session.sport.sport,
    subSport: session.sport.subSport,
    firstLapIndex,
    numLaps,
    trigger: 'activityEnd',
  };
  const set = (field: string, value: number | undefined, transform: (v: number) => number = (v) => v) => {
    if (value !== undefined) mesg[field] = transform(value);
  };
  set('totalDistance', s.distance);
  set('totalCalories', s.calories, Math.round);
  set('avgHeartRate', s.avgHr, (v) => clamp(Math.round(v), 0, 254));
  set('maxHeartRate', s.maxHr, (v) => clamp(Math.round(v), 0, 254));
  set('minHeartRate', s.minHr, (v) => clamp(Math.round(v), 0, 254));
  set('enhancedAvgSpeed', s.avgSpeed);
  set('enhancedMaxSpeed', s.maxSpeed);
  set('avgCadence', s.avgCadence, (v) => clamp(Math.round(v), 0, 254));
  set('maxCadence', s.maxCadence, (v) => clamp(Math.round(v), 0, 254));
  set('avgPower', s.avgPower, (v) => clamp(Math.round(v), 0, 65_534));
  set('maxPower', s.maxPower, (v) => clamp(Math.round(v), 0, 65_534));
  set('totalAscent', s.ascent, Math.round);
  set('totalDescent', s.descent, Math.round);
  set('poolLength', s.poolLength);
  if (session.sport.sport === 'swimming') {
    set('numActiveLengths', s.numLengths, Math.round);
    set('totalCycles', s.numStrokes, Math.round);
  }
  set('totalWork', s.workJ, (v) => Math.round(v * 1000));
  return mesg;
}

function date(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
