import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/core/errors.ts';
import { decodeWorkoutFile, detectFormat } from '../../src/formats/index.ts';
import type { TerraRecord } from '../../src/model/data-types.ts';
import { HAS_SHARED, LOCAL_FIXTURES, SHARED_FIXTURES } from './fixtures.ts';
import { makeZip } from './zip-writer.ts';

const MAX = 50 * 1024 * 1024;
const local = (path: string) => readFileSync(join(LOCAL_FIXTURES, path));
const shared = (path: string) => readFileSync(join(SHARED_FIXTURES, path));

async function activitiesOf(bytes: Buffer, startTime?: string): Promise<TerraRecord[]> {
  const decoded = await decodeWorkoutFile(bytes, { maxBytes: MAX, startTime });
  return decoded.parts.flatMap((p) => p.activities);
}

type Sample = Record<string, unknown> & { timestamp: string };
function samplesByTime(activity: TerraRecord, path: string[]): Map<number, Sample> {
  let node: unknown = activity;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  const map = new Map<number, Sample>();
  for (const sample of (node as Sample[] | undefined) ?? []) map.set(Date.parse(sample.timestamp), sample);
  return map;
}

const HR = ['heart_rate_data', 'detailed', 'hr_samples'];
const DISTANCE = ['distance_data', 'detailed', 'distance_samples'];
const ELEVATION = ['distance_data', 'detailed', 'elevation_samples'];
const SPEED = ['movement_data', 'speed_samples'];
const CADENCE = ['movement_data', 'cadence_samples'];
const POWER = ['power_data', 'power_samples'];
const POSITION = ['position_data', 'position_samples'];

const toSemicircles = (deg: number) => Math.round((deg * 2 ** 31) / 180);

/** python-fitparse's expected record values (`*-records.csv`) against our decode of the same FIT file. */
async function checkAgainstRecordsCsv(fit: Buffer, csv: string): Promise<number> {
  const [activity] = await activitiesOf(fit);
  const hr = samplesByTime(activity!, HR);
  const distance = samplesByTime(activity!, DISTANCE);
  const position = samplesByTime(activity!, POSITION);
  const speed = samplesByTime(activity!, SPEED);
  const altitude = samplesByTime(activity!, ELEVATION);
  const [header, ...rows] = csv.trim().split('\n');
  const cols = header!.split(',');
  let compared = 0;
  let lastPosition: number[] | undefined;
  const mismatches: string[] = [];
  // Two records in one second (a lap button press) share a timestamp: compare those by their last record only.
  const times = rows.map((row) => Date.parse(row.split(',')[0]!));
  const lastIndex = new Map(times.map((t, i) => [t, i]));
  for (const [index, row] of rows.entries()) {
    if (lastIndex.get(times[index]!) !== index) continue;
    const cells = Object.fromEntries(row.split(',').map((v, i) => [cols[i], v]));
    const t = Date.parse(cells.timestamp!);
    if (Number.isNaN(t)) mismatches.push(`unparsed time in ${row}`);
    if (!hr.has(t) && !distance.has(t) && !position.has(t)) continue;
    compared++;
    const value = (name: string) =>
      cells[name] === undefined || cells[name] === '' || cells[name] === 'None' || cells[name] === 'null'
        ? undefined
        : Number(cells[name]);
    const check = (what: string, ok: boolean, ours: unknown, theirs: unknown) => {
      if (!ok) mismatches.push(`${what} at ${cells.timestamp}: ours ${String(ours)}, expected ${String(theirs)}`);
    };
    const close = (a: unknown, b: number, digits: number) =>
      typeof a === 'number' && Math.abs(a - b) < 10 ** -digits / 2;
    if (value('heart_rate') !== undefined)
      check('hr', hr.get(t)?.bpm === value('heart_rate'), hr.get(t)?.bpm, value('heart_rate'));
    if (value('distance') !== undefined)
      check(
        'distance',
        close(distance.get(t)?.distance_meters, value('distance')!, 2),
        distance.get(t)?.distance_meters,
        value('distance'),
      );
    if (value('speed') !== undefined)
      check(
        'speed',
        close(speed.get(t)?.speed_meters_per_second, value('speed')!, 3),
        speed.get(t)?.speed_meters_per_second,
        value('speed'),
      );
    if (value('altitude') !== undefined)
      check(
        'altitude',
        close(altitude.get(t)?.elev_meters, value('altitude')!, 3),
        altitude.get(t)?.elev_meters,
        value('altitude'),
      );
    if (value('position_lat') !== undefined) {
      const ours = position.get(t);
      const theirs = [value('position_lat'), value('position_long')];
      if (ours) {
        const [lat, lng] = ours.coords_lat_lng_deg as number[];
        check(
          'position',
          toSemicircles(lat!) === theirs[0] && toSemicircles(lng!) === theirs[1],
          [toSemicircles(lat!), toSemicircles(lng!)],
          theirs,
        );
        lastPosition = theirs as number[];
      } else {
        // The record has no fix; python-fitparse's CSV repeats the previous position there.
        check('carried position', JSON.stringify(theirs) === JSON.stringify(lastPosition), lastPosition, theirs);
      }
    }
  }
  expect(mismatches.slice(0, 10).join('\n')).toBe('');
  return compared / rows.length;
}

describe('FIT values against python-fitparse companion records', () => {
  for (const name of ['garmin-fenix-5-run', 'garmin-fenix-5-bike']) {
    it(`${name}: times, heart rate, distance, speed, altitude and positions match`, async () => {
      const coverage = await checkAgainstRecordsCsv(
        local(`fit/python-fitparse/${name}.fit`),
        local(`fit/python-fitparse/${name}-records.csv`).toString('utf8'),
      );
      expect(coverage).toBeGreaterThan(0.9);
    });
  }
  for (const name of ['garmin-fenix-5-walk', 'garmin-edge-820-bike', 'garmin-edge-500-activity']) {
    it.skipIf(!HAS_SHARED)(`${name} (shared collection): values match`, async () => {
      const coverage = await checkAgainstRecordsCsv(
        shared(`fit/python-fitparse/${name}.fit`),
        shared(`fit/python-fitparse/${name}-records.csv`).toString('utf8'),
      );
      expect(coverage).toBeGreaterThan(0.9);
    });
  }
});

describe.skipIf(!HAS_SHARED)('FIT positions against GPSBabel reference GPX (GPL-2.0 files, read in place)', () => {
  for (const name of [
    'garmin-edge-800',
    'garmin-forerunner-10',
    'garmin-oregon-700',
    'wahoo-element-bolt',
    'garmin-vivosmart-hr',
  ]) {
    it(`${name}: every timed GPX point has the same position (and heart rate) in our FIT decode`, async () => {
      const [fitActivity] = await activitiesOf(shared(`fit/gpsbabel/${name}.fit`));
      const gpxName =
        name === 'garmin-vivosmart-hr' || name === 'wahoo-element-bolt' ? `${name}.gpx` : `${name}-output.gpx`;
      const gpx = shared(`fit/gpsbabel/${gpxName}`).toString('utf8');
      const fitPositions = samplesByTime(fitActivity!, POSITION);
      const fitHr = samplesByTime(fitActivity!, HR);
      let compared = 0;
      for (const match of gpx.matchAll(/<trkpt lat="([-\d.]+)" lon="([-\d.]+)">([\s\S]*?)<\/trkpt>/g)) {
        const lat = Number(match[1]);
        const lon = Number(match[2]);
        const time = /<time>([^<]+)<\/time>/.exec(match[3]!)?.[1];
        const hr = /<gpxtpx:hr>(\d+)<\/gpxtpx:hr>/.exec(match[3]!)?.[1];
        if (!time) continue;
        const t = Date.parse(time);
        if (hr) expect(fitHr.get(t)?.bpm, `hr at ${time}`).toBe(Number(hr));
        if (lat === 0 && lon === 0) continue; // GPSBabel writes 0,0 where the record has no fix
        const ours = fitPositions.get(t);
        if (!ours) continue; // records outside the session window (before start)
        const [oLat, oLng] = ours.coords_lat_lng_deg as number[];
        expect(Math.abs(oLat! - lat)).toBeLessThan(1e-6);
        expect(Math.abs(oLng! - lon)).toBeLessThan(1e-6);
        compared++;
      }
      if (name !== 'garmin-vivosmart-hr') expect(compared).toBeGreaterThan(fitPositions.size * 0.9);
    });
  }

  it('our GPX decoder reads the GPSBabel conversion to the same positions as the FIT decoder', async () => {
    const [fitActivity] = await activitiesOf(shared('fit/gpsbabel/garmin-forerunner-10.fit'));
    const [gpxActivity] = await activitiesOf(shared('fit/gpsbabel/garmin-forerunner-10-output.gpx'));
    const fitPositions = samplesByTime(fitActivity!, POSITION);
    const gpxPositions = samplesByTime(gpxActivity!, POSITION);
    let compared = 0;
    for (const [t, sample] of gpxPositions) {
      const ours = fitPositions.get(t);
      if (!ours) continue;
      const [a, b] = sample.coords_lat_lng_deg as number[];
      const [c, d] = ours.coords_lat_lng_deg as number[];
      expect(Math.abs(a! - c!)).toBeLessThan(1e-6);
      expect(Math.abs(b! - d!)).toBeLessThan(1e-6);
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe.skipIf(!HAS_SHARED)('the same activity as FIT and as TCX (sports-lib, AGPL-3.0, read in place)', () => {
  it('treadmill run 6860622783: start, distance and every heart-rate sample agree', async () => {
    const [fit] = await activitiesOf(shared('fit/sports-lib/6860622783.fit'));
    const [tcx] = await activitiesOf(shared('tcx/sports-lib/6860622783.tcx'));
    const fm = fit!.metadata as Record<string, unknown>;
    const tm = tcx!.metadata as Record<string, unknown>;
    expect(fm.start_time).toBe(tm.start_time);
    expect(fm.type).toBe(58); // TREADMILL_RUNNING from the FIT sub sport
    const fitDistance = (fit!.distance_data as { summary: { distance_meters: number } }).summary.distance_meters;
    const tcxDistance = (tcx!.distance_data as { summary: { distance_meters: number } }).summary.distance_meters;
    expect(tcxDistance).toBeCloseTo(fitDistance, 0);
    const fitHr = samplesByTime(fit!, HR);
    const tcxHr = samplesByTime(tcx!, HR);
    let compared = 0;
    for (const [t, sample] of tcxHr) {
      if (!fitHr.has(t)) continue;
      expect(fitHr.get(t)!.bpm).toBe(sample.bpm);
      compared++;
    }
    expect(compared).toBeGreaterThan(tcxHr.size * 0.95);
  });

  it('pool swim 6860712481: laps with strokes, pool length and lengths from the FIT file', async () => {
    const [fit] = await activitiesOf(shared('fit/sports-lib/6860712481.fit'));
    const [tcx] = await activitiesOf(shared('tcx/sports-lib/6860712481.tcx'));
    const laps = (fit!.lap_data as { laps: Record<string, unknown>[] }).laps;
    expect(laps).toHaveLength(28);
    expect((tcx!.lap_data as { laps: unknown[] }).laps).toHaveLength(28);
    const swimming = (fit!.distance_data as { summary: { swimming: Record<string, number> } }).summary.swimming;
    expect(swimming.pool_length_meters).toBe(25);
    expect(swimming.num_laps).toBeGreaterThan(0);
    expect((fit!.metadata as Record<string, unknown>).type).toBe(83);
  });
});

describe('iFit CSV export', () => {
  const csvPath = 'provider-json/ifit/ifit-workout.csv';
  it.skipIf(!HAS_SHARED)('decodes per-second rows in SI units (GPL-3.0 sample, read in place)', async () => {
    const [activity] = await activitiesOf(shared(csvPath), '2021-02-02T20:32:28.531Z');
    const start = Date.parse('2021-02-02T20:32:28.531Z');
    // Row "00:10,0.0025,4.99,8,0,30,…": 0.0025 mi, 4.99 mph, 8 W, HR 0 (no strap), 30 rpm
    expect(samplesByTime(activity!, DISTANCE).get(start + 10_000)!.distance_meters).toBeCloseTo(0.0025 * 1609.344, 3);
    expect(samplesByTime(activity!, SPEED).get(start + 10_000)!.speed_meters_per_second).toBeCloseTo(
      (4.99 * 1609.344) / 3600,
      3,
    );
    expect(samplesByTime(activity!, POWER).get(start + 10_000)!.watts).toBe(8);
    expect(samplesByTime(activity!, CADENCE).get(start + 10_000)!.cadence_rpm).toBe(30);
    expect(activity!.heart_rate_data).toBeUndefined(); // zeros are "no reading", not a series
    // Row "36:16,8.1362,…" is the last: the same 2176 s the companion TCX export reports
    const metadata = activity!.metadata as Record<string, string>;
    expect((Date.parse(metadata.end_time) - Date.parse(metadata.start_time)) / 1000).toBe(36 * 60 + 16);
    const [tcx] = await activitiesOf(shared('tcx/ifit-garmin-sync/ifit-workout.tcx'));
    expect((tcx!.metadata as Record<string, string>).end_time).toBe(metadata.end_time);
  });

  it('needs start_time and says so', async () => {
    const csv = Buffer.from(
      'Stages_Data,,,,,\nEnglish,,,,,\nTime,Miles,MPH,Watts,HR,RPM,Resistance,Relative Resistance,Incline\n00:00,0.0,0.0,0,120,0,10,42,0\n00:01,0.001,3.6,50,121,60,10,42,0\n',
    );
    expect(detectFormat(csv)).toBe('ifit_csv');
    await expect(decodeWorkoutFile(csv, { maxBytes: MAX })).rejects.toMatchObject({
      code: 'bad_request',
      details: { parameter: 'start_time' },
    });
    await expect(decodeWorkoutFile(csv, { maxBytes: MAX, startTime: 'yesterday' })).rejects.toMatchObject({
      details: { parameter: 'start_time' },
    });
    const [activity] = await activitiesOf(csv, '2024-05-01T07:00:00');
    expect((activity!.metadata as Record<string, string>).start_time).toBe('2024-05-01T07:00:00.000000+00:00');
    expect(samplesByTime(activity!, HR).get(Date.parse('2024-05-01T07:00:01Z'))!.bpm).toBe(121);
  });
});

describe('multisport and laps', () => {
  it('a triathlon FIT gives one activity per session with its own type, laps and summary id', async () => {
    const activities = await activitiesOf(local('fit/python-fitparse/sample_mulitple_header.fit'));
    expect(activities.map((a) => (a.metadata as Record<string, unknown>).type)).toEqual([84, 108, 1, 108, 8]);
    expect(new Set(activities.map((a) => (a.metadata as Record<string, unknown>).summary_id)).size).toBe(5);
    for (const activity of activities)
      expect((activity.lap_data as { laps: unknown[] }).laps.length).toBeGreaterThan(0);
    // Sessions follow each other: no record belongs to two activities.
    const windows = activities.map((a) => a.metadata as Record<string, string>);
    for (let i = 1; i < windows.length; i++)
      expect(Date.parse(windows[i]!.start_time)).toBeGreaterThanOrEqual(Date.parse(windows[i - 1]!.end_time) - 1000);
  });

  it('TCX laps become lap_data with start, end, distance, calories and heart rate', async () => {
    const [activity] = await activitiesOf(local('tcx/python-tcxparser/test.tcx'));
    const laps = (activity!.lap_data as { laps: Record<string, unknown>[] }).laps;
    expect(laps.length).toBe(3);
    expect(laps[0]).toMatchObject({ start_time: '2012-12-26T21:29:53.000000+00:00' });
    expect(typeof laps[0]!.distance_meters).toBe('number');
    expect((activity!.metadata as Record<string, unknown>).type).toBe(8);
  });

  it('GPX: Garmin extension heart rate and the track type', async () => {
    const [activity] = await activitiesOf(local('gpx/python-garminconnect/sample_activity.gpx'));
    expect((activity!.metadata as Record<string, unknown>).type).toBe(8);
    expect(samplesByTime(activity!, HR).size).toBe(15);
    expect(activity!.distance_data).toBeDefined(); // elevation only: GPX carries no distance
    expect((activity!.distance_data as { summary: Record<string, unknown> }).summary.distance_meters).toBeUndefined();
  });
});

describe('bad files are rejected with the reason', () => {
  const reject = (bytes: Buffer, options: { maxBytes?: number } = {}) =>
    decodeWorkoutFile(bytes, { maxBytes: options.maxBytes ?? MAX });

  it('empty', async () => {
    await expect(reject(Buffer.alloc(0))).rejects.toMatchObject({ code: 'bad_request', message: 'the file is empty' });
  });
  it('not a workout at all (a PNG, plain text, a CSV of something else)', async () => {
    for (const bytes of [
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.from('hello world'),
      Buffer.from('date,weight\n2024-01-01,70\n'),
    ]) {
      await expect(reject(bytes)).rejects.toMatchObject({
        code: 'unsupported_media_type',
        message: expect.stringMatching(/not a workout file/),
      });
    }
  });
  it('a FIT settings file, a file with only file_id, a course', async () => {
    await expect(reject(local('fit/python-fitparse/Settings.fit'))).rejects.toThrow(/"settings" file, not an activity/);
  });
  it('truncated FIT and FIT failing its CRC', async () => {
    await expect(reject(local('fit/python-fitparse/activity-unexpected-eof.fit'))).rejects.toThrow(/integrity check/);
    await expect(reject(local('fit/python-fitparse/activity-filecrc.fit'))).rejects.toThrow(/integrity check/);
    const good = local('fit/python-fitparse/garmin-fenix-5-run.fit');
    await expect(reject(good.subarray(0, good.length - 500))).rejects.toThrow(/integrity check/);
    await expect(reject(local('fit/python-fitparse/activity-settings-nodata.fit'))).rejects.toThrow(/truncated/);
  });
  it('FIT with compressed-timestamp records the SDK cannot decode', async () => {
    await expect(reject(local('fit/python-fitparse/antfs-dump.63.fit'))).rejects.toThrow(/compressed-timestamp/);
  });
  it('truncated TCX and GPX', async () => {
    const tcx = local('tcx/python-tcxparser/test.tcx');
    await expect(reject(tcx.subarray(0, tcx.length / 2))).rejects.toThrow(/not well-formed XML/);
    const gpx = local('gpx/gpxpy/cerknicko-jezero.gpx');
    await expect(reject(gpx.subarray(0, 3000))).rejects.toThrow(/not well-formed XML/);
  });
  it('routes and waypoint-only GPX', async () => {
    await expect(reject(local('gpx/gpxpy/route.gpx'))).rejects.toThrow(/route/);
    await expect(reject(local('gpx/gpxpy/unicode_with_bom.gpx'))).rejects.toThrow(/no track points/);
  });
  it('over the size limit', async () => {
    const fit = local('fit/python-fitparse/garmin-fenix-5-run.fit');
    const error = await reject(fit, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit_bytes: 1000 } });
  });
});

describe('archives', () => {
  it('a zip imports its workouts and lists the entries it rejected', async () => {
    const zip = makeZip([
      { name: 'runs/fenix-run.fit', data: local('fit/python-fitparse/garmin-fenix-5-run.fit') },
      { name: 'notes.txt', data: Buffer.from('not a workout') },
      { name: 'rides/track.gpx', data: local('gpx/python-garminconnect/sample_activity.gpx') },
      { name: '__MACOSX/._fenix-run.fit', data: Buffer.from('junk') },
    ]);
    const decoded = await decodeWorkoutFile(zip, { maxBytes: MAX });
    expect(decoded.format).toBe('zip');
    expect(decoded.parts.map((p) => [p.name, p.format])).toEqual([
      ['runs/fenix-run.fit', 'fit'],
      ['rides/track.gpx', 'gpx'],
    ]);
    expect(decoded.rejected).toEqual([{ name: 'notes.txt', reason: expect.stringMatching(/not a workout file/) }]);
  });

  it('a zip without any workout is rejected whole', async () => {
    const zip = makeZip([{ name: 'a.txt', data: Buffer.from('x') }]);
    await expect(decodeWorkoutFile(zip, { maxBytes: MAX })).rejects.toThrow(/holds no workout file/);
  });

  it('a zip bomb is stopped at the size limit', async () => {
    const zip = makeZip([{ name: 'big.fit', data: Buffer.alloc(5_000_000) }]);
    expect(zip.length).toBeLessThan(100_000);
    await expect(decodeWorkoutFile(zip, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('a gzipped FIT (Garmin exports .fit.gz) decodes like the FIT', async () => {
    const fit = local('fit/python-fitparse/garmin-fenix-5-run.fit');
    const [plain] = await activitiesOf(fit);
    const [gz] = await activitiesOf(gzipSync(fit));
    expect(gz).toEqual(plain);
  });
});
