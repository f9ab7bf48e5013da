import type { TerraRecord } from '../model/data-types.ts';
import {
  buildActivity,
  contentSummaryId,
  num,
  type LapSummary,
  type TrackPoint,
  type WorkoutSummary,
} from './activity.ts';
import { maxOf } from '../core/numbers.ts';
import { badFile } from './errors.ts';
import { activityTypeFromName } from './sport.ts';
import { parseTime, walkXml } from './xml.ts';

interface TcxLap extends LapSummary {
  maxSpeed?: number;
  maxHr?: number;
  timerSeconds?: number;
}

interface TcxActivity {
  sport?: string;
  id?: string;
  notes?: string;
  laps: TcxLap[];
  points: TrackPoint[];
  creator?: string;
}

/**
 * Garmin Training Center XML: one Terra Activity per `<Activity>`, laps from `<Lap>`,
 * samples from `<Trackpoint>` (with the TPX extension's Speed, Watts and RunCadence).
 * A file with only `<Course>`s is a planned route, not a workout.
 */
export function decodeTcx(bytes: Buffer): TerraRecord[] {
  const activities: TcxActivity[] = [];
  let current: TcxActivity | undefined;
  let lap: TcxLap | undefined;
  let point: TrackPoint | undefined;
  let pointTime: number | undefined;
  let courses = 0;
  walkXml(bytes.toString('utf8'), 'TCX', {
    open(name, attributes, path) {
      if (name === 'Activity' && path.at(-2) === 'Activities') {
        current = { sport: attributes.Sport, laps: [], points: [] };
        activities.push(current);
      } else if (name === 'Course') courses++;
      else if (current && name === 'Lap') {
        const startMs = parseTime(attributes.StartTime);
        lap = startMs === undefined ? undefined : { startMs, endMs: startMs };
      } else if (current && name === 'Trackpoint') {
        point = { t: 0 };
        pointTime = undefined;
      }
    },
    close(name, text, path) {
      if (!current) return;
      const parent = path.at(-2);
      if (point) {
        switch (name) {
          case 'Time':
            pointTime = parseTime(text);
            return;
          case 'LatitudeDegrees':
            point.lat = num(text);
            return;
          case 'LongitudeDegrees':
            point.lng = num(text);
            return;
          case 'AltitudeMeters':
            point.altitude = num(text);
            return;
          case 'DistanceMeters':
            point.distance = num(text);
            return;
          case 'Value':
            if (parent === 'HeartRateBpm') point.hr = positive(num(text));
            return;
          case 'Cadence':
          case 'RunCadence':
            point.cadence = num(text);
            return;
          case 'Speed':
            point.speed = num(text);
            return;
          case 'Watts':
            point.power = num(text);
            return;
          case 'Trackpoint':
            if (pointTime !== undefined) current.points.push(withoutUndefined({ ...point, t: pointTime }));
            point = undefined;
            return;
        }
        return;
      }
      if (lap && parent === 'Lap') {
        switch (name) {
          case 'TotalTimeSeconds':
            lap.timerSeconds = num(text);
            if (lap.timerSeconds !== undefined) lap.endMs = lap.startMs + lap.timerSeconds * 1000;
            return;
          case 'DistanceMeters':
            lap.distance = num(text);
            return;
          case 'MaximumSpeed':
            lap.maxSpeed = num(text);
            return;
          case 'Calories':
            lap.calories = num(text);
            return;
        }
      }
      if (lap && name === 'Value' && parent === 'AverageHeartRateBpm' && path.at(-3) === 'Lap')
        lap.avgHr = positive(num(text));
      if (lap && name === 'Value' && parent === 'MaximumHeartRateBpm' && path.at(-3) === 'Lap')
        lap.maxHr = positive(num(text));
      if (lap && name === 'AvgSpeed' && path.includes('Lap') && !path.includes('Trackpoint')) lap.avgSpeed = num(text);
      if (name === 'Lap' && lap) {
        current.laps.push(lap);
        lap = undefined;
      }
      if (name === 'Id' && parent === 'Activity') current.id = text;
      if (name === 'Notes' && parent === 'Activity') current.notes = text;
      if (name === 'Name' && parent === 'Creator') current.creator = text;
      if (name === 'Activity' && parent === 'Activities') current = undefined;
    },
  });
  if (activities.length === 0) {
    throw badFile(
      courses > 0
        ? 'not a workout: this TCX file holds a course (a planned route), not a recorded activity'
        : 'not a workout: the TCX file has no <Activity>',
    );
  }
  const out: TerraRecord[] = [];
  activities.forEach((activity, index) => {
    const points = activity.points.sort((a, b) => a.t - b.t);
    const startMs = activity.laps[0]?.startMs ?? parseTime(activity.id) ?? points[0]?.t;
    if (startMs === undefined) return;
    const lastLapEnd = Math.max(maxOf(activity.laps.map((l) => l.endMs)), startMs);
    const endMs = Math.max(lastLapEnd, points.at(-1)?.t ?? startMs);
    out.push(
      buildActivity({
        summaryId: contentSummaryId('tcx', bytes, index),
        type: activityTypeFromName(activity.sport),
        name: activity.notes || activity.sport || undefined,
        startMs,
        endMs,
        points,
        laps: activity.laps,
        summary: summaryOfLaps(activity.laps),
        device: activity.creator ? { name: activity.creator } : undefined,
      }),
    );
  });
  if (out.length === 0) throw badFile('not a workout: the TCX activities have no start time');
  return out;
}

function summaryOfLaps(laps: TcxLap[]): WorkoutSummary {
  const sum = (values: (number | undefined)[]) =>
    values.some((v) => v !== undefined) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : undefined;
  const max = (values: (number | undefined)[]) => {
    const present = values.filter((v): v is number => v !== undefined);
    return present.length > 0 ? maxOf(present) : undefined;
  };
  return {
    distance: sum(laps.map((l) => l.distance)),
    calories: sum(laps.map((l) => l.calories)),
    timerSeconds: sum(laps.map((l) => l.timerSeconds)),
    maxSpeed: max(laps.map((l) => l.maxSpeed)),
    maxHr: max(laps.map((l) => l.maxHr)),
  };
}

/** Heart rate 0 means "no reading" in TCX exports (iFit writes zeros without a strap). */
function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function withoutUndefined(point: TrackPoint): TrackPoint {
  for (const key of Object.keys(point) as (keyof TrackPoint)[]) if (point[key] === undefined) delete point[key];
  return point;
}
