import type { TerraRecord } from '../model/data-types.ts';
import { buildActivity, contentSummaryId, num, type TrackPoint } from './activity.ts';
import { badFile } from './errors.ts';
import { activityTypeFromName } from './sport.ts';
import { parseTime, walkXml } from './xml.ts';

interface GpxTrack {
  name?: string;
  type?: string;
  points: TrackPoint[];
  untimed: number;
}

/**
 * GPX 1.0/1.1: one Terra Activity per `<trk>` whose points carry times, with heart rate
 * and cadence from Garmin's TrackPointExtension and `<speed>` where present. GPX has no
 * distance or summary fields, and none are invented from the positions. Routes (`<rte>`)
 * and tracks without times are plans, not workouts.
 */
export function decodeGpx(bytes: Buffer): TerraRecord[] {
  const tracks: GpxTrack[] = [];
  let track: GpxTrack | undefined;
  let point: (TrackPoint & { time?: number }) | undefined;
  let routes = 0;
  let creator: string | undefined;
  let sawRoot = false;
  walkXml(bytes.toString('utf8'), 'GPX', {
    open(name, attributes, path) {
      if (path.length === 1) {
        sawRoot = name === 'gpx';
        creator = attributes.creator;
      }
      if (name === 'trk') {
        track = { points: [], untimed: 0 };
        tracks.push(track);
      } else if (name === 'rte') routes++;
      else if (name === 'trkpt' && track) {
        point = { t: 0, lat: num(attributes.lat), lng: num(attributes.lon) };
      }
    },
    close(name, text, path) {
      if (point && track) {
        switch (name) {
          case 'time':
            point.time = parseTime(text);
            return;
          case 'ele':
            point.altitude = num(text);
            return;
          case 'hr':
            point.hr = num(text) || undefined;
            return;
          case 'cad':
            point.cadence = num(text);
            return;
          case 'speed':
            point.speed = num(text);
            return;
          case 'power':
            point.power = num(text);
            return;
          case 'trkpt': {
            const { time, ...rest } = point;
            if (time === undefined) track.untimed++;
            else track.points.push(clean({ ...rest, t: time }));
            point = undefined;
            return;
          }
        }
        return;
      }
      if (track && path.at(-2) === 'trk') {
        if (name === 'name') track.name = text;
        if (name === 'type') track.type = text;
      }
      if (name === 'trk') track = undefined;
    },
  });
  if (!sawRoot) throw badFile('not a GPX file: the root element is not <gpx>');
  const timed = tracks.filter((t) => t.points.length > 0);
  if (timed.length === 0) {
    if (tracks.some((t) => t.untimed > 0))
      throw badFile('not a workout: the GPX track points have no <time>, so this is a route, not a recorded activity');
    if (routes > 0) throw badFile('not a workout: this GPX file holds a route (<rte>), not a recorded track');
    throw badFile('not a workout: the GPX file has no track points (only waypoints or nothing)');
  }
  return timed.map((t, index) => {
    const points = t.points.sort((a, b) => a.t - b.t);
    return buildActivity({
      summaryId: contentSummaryId('gpx', bytes, index),
      type: activityTypeFromName(t.type ?? t.name),
      name: t.name || undefined,
      startMs: points[0].t,
      endMs: points.at(-1)!.t,
      points,
      laps: [],
      summary: {},
      device: creator ? { name: creator } : undefined,
    });
  });
}

function clean(point: TrackPoint): TrackPoint {
  for (const key of Object.keys(point) as (keyof TrackPoint)[]) if (point[key] === undefined) delete point[key];
  return point;
}
