import { badParameter } from '../core/errors.ts';
import type { TerraRecord } from '../model/data-types.ts';
import { buildActivity, contentSummaryId, num, type TrackPoint } from './activity.ts';
import { badFile } from './errors.ts';
import { ACTIVITY_TYPE } from './sport.ts';

const METERS_PER_MILE = 1609.344;
const METERS_PER_KM = 1000;

/** True when the text looks like iFit's "Stages_Data" CSV export. */
export function isIfitCsv(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '');
  return /^Stages_Data\s*,/.test(text) || /^Time,(Miles|Kilometers|Km|KM),/m.test(text);
}

/**
 * iFit's workout CSV export ("Stages_Data"): one row per second with elapsed time,
 * cumulative distance, speed, watts, heart rate, RPM, resistance and incline. It carries
 * no start time, so the caller supplies one. Zeros in HR mean "no strap" and are dropped.
 */
export function decodeIfitCsv(bytes: Buffer, startTime: string | undefined): TerraRecord[] {
  if (!startTime) {
    throw badParameter(
      'start_time',
      'an iFit CSV export has no start time: send start_time (ISO 8601, e.g. 2021-02-02T20:32:28Z) with the file',
    );
  }
  // Without an offset the time is read as UTC, never as the server's local zone.
  const startMs = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(startTime) ? startTime : `${startTime}Z`);
  if (Number.isNaN(startMs) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(startTime)) {
    throw badParameter(
      'start_time',
      `start_time must be an ISO 8601 date-time such as 2021-02-02T20:32:28Z (got ${JSON.stringify(startTime)})`,
    );
  }
  const lines = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => /^Time,/.test(line));
  if (headerIndex === -1) throw badFile('not an iFit CSV export: no "Time,…" header row');
  const header = lines[headerIndex].split(',').map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const distanceCol = col('miles', 'kilometers', 'km');
  const speedCol = col('mph', 'kph', 'km/h');
  const metric = distanceCol !== -1 && header[distanceCol] !== 'miles';
  const distanceFactor = metric ? METERS_PER_KM : METERS_PER_MILE;
  const speedFactor = (metric ? METERS_PER_KM : METERS_PER_MILE) / 3600;
  const wattsCol = col('watts');
  const hrCol = col('hr');
  const rpmCol = col('rpm');
  const points: TrackPoint[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const seconds = elapsedSeconds(cells[0]);
    if (seconds === undefined) throw badFile(`not an iFit CSV export: "${cells[0]}" is not an elapsed time (mm:ss)`);
    const point: TrackPoint = { t: startMs + seconds * 1000 };
    const miles = distanceCol === -1 ? undefined : num(cells[distanceCol]);
    if (miles !== undefined) point.distance = round(miles * distanceFactor, 3);
    const speed = speedCol === -1 ? undefined : num(cells[speedCol]);
    if (speed !== undefined) point.speed = round(speed * speedFactor, 4);
    const watts = wattsCol === -1 ? undefined : num(cells[wattsCol]);
    if (watts !== undefined) point.power = watts;
    const hr = hrCol === -1 ? undefined : num(cells[hrCol]);
    if (hr !== undefined && hr > 0) point.hr = hr;
    const rpm = rpmCol === -1 ? undefined : num(cells[rpmCol]);
    if (rpm !== undefined) point.cadence = rpm;
    points.push(point);
  }
  if (points.length === 0) throw badFile('not a workout: the iFit CSV export has no rows');
  return [
    buildActivity({
      summaryId: contentSummaryId('ifitcsv', bytes, 0, startTime),
      type: ACTIVITY_TYPE.OTHER,
      name: 'iFit workout',
      startMs: points[0].t,
      endMs: points.at(-1)!.t,
      points,
      laps: [],
      summary: { distance: points.at(-1)?.distance },
    }),
  ];
}

function elapsedSeconds(text: string | undefined): number | undefined {
  if (!text || !/^\d+(:\d{1,2}){1,2}$/.test(text.trim())) return undefined;
  return text
    .trim()
    .split(':')
    .reduce((total, part) => total * 60 + Number(part), 0);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
