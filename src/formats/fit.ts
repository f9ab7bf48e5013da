import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import type { TerraRecord } from '../model/data-types.ts';
import { buildActivity, contentSummaryId, num, type DeviceInfo, type LapSummary, type TrackPoint } from './activity.ts';
import { FILE_LIMITS, badFile, tooMany } from './errors.ts';
import { isTributaryError } from '../core/errors.ts';
import { activityTypeFromFit } from './sport.ts';

type Mesg = Record<string, unknown>;

const SEMICIRCLE_TO_DEG = 180 / 2 ** 31;

export function isFit(bytes: Buffer): boolean {
  return bytes.length >= 12 && (bytes[0] === 12 || bytes[0] === 14) && bytes.toString('latin1', 8, 12) === '.FIT';
}

export function semicirclesToDegrees(value: number): number {
  return value * SEMICIRCLE_TO_DEG;
}

/**
 * Decodes a FIT activity file with @garmin/fitsdk into one Terra Activity per session
 * (a multisport file has several; so has a chained file). Heart rates from `hr` messages
 * are merged into the records by the SDK; developer fields stay in the raw bytes, which
 * are stored verbatim. A file that fails the integrity check or decodes with errors is
 * rejected whole: importing half of a corrupt file would hide the damage.
 */
export function decodeFit(bytes: Buffer): TerraRecord[] {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  if (!decoder.isFIT()) throw badFile('not a FIT file: the header lacks the ".FIT" signature');
  if (!decoder.checkIntegrity()) {
    throw badFile(
      'the FIT file fails the integrity check (its size or CRC does not match its header): it is truncated or corrupted',
    );
  }
  // File order tells which records and laps belong to which session (they precede it), even
  // when sessions overlap in time (chained files); time windows are the fallback.
  const order: { num: number; mesg: Mesg }[] = [];
  const counts = { sessions: 0, laps: 0, samples: 0 };
  const { messages, errors } = decoder.read({
    mergeHeartRates: true,
    expandComponents: true,
    applyScaleAndOffset: true,
    // Counting while decoding stops a hostile file before it becomes millions of objects
    // (a throw here ends the read and comes back as its first error).
    mesgListener: (num, mesg) => {
      if (num === RECORD || num === LAP || num === SESSION) order.push({ num, mesg: mesg as Mesg });
      if (num === SESSION && ++counts.sessions > FILE_LIMITS.sessions) throw tooMany('sessions', 'FIT');
      if (num === LAP && ++counts.laps > FILE_LIMITS.laps) throw tooMany('laps', 'FIT');
      if ((num === RECORD || num === HR) && ++counts.samples > FILE_LIMITS.samples) throw tooMany('samples', 'FIT');
    },
  });
  if (errors.length > 0) {
    if (isTributaryError(errors[0])) throw errors[0];
    throw badFile(`the FIT file could not be decoded: ${describeFitError(errors[0])}`);
  }
  const fileType = (messages.fileIdMesgs?.[0] as Mesg | undefined)?.type;
  const sessions = (messages.sessionMesgs ?? []) as Mesg[];
  if (sessions.length === 0) {
    if (typeof fileType === 'string' && fileType !== 'activity') {
      throw badFile(`not a workout: this FIT file is a "${fileType}" file, not an activity`);
    }
    throw badFile('not a workout: the FIT file has no activity session');
  }
  const records = ((messages.recordMesgs ?? []) as Mesg[]).filter((r) => r.timestamp instanceof Date);
  const timeline = new Timeline(records);
  const laps = (messages.lapMesgs ?? []) as Mesg[];
  const device = deviceOf(messages.fileIdMesgs?.[0] as Mesg | undefined, (messages.deviceInfoMesgs ?? []) as Mesg[]);
  const activities: TerraRecord[] = [];
  const starts = sessions.map((s) => (s.startTime instanceof Date ? s.startTime.getTime() : undefined));
  const nextStarts = nextLaterStarts(starts);
  const groups = groupBySession(order, sessions);
  // Windows and their records first: sessions sharing one window would each copy it, so the
  // file's total is checked before any activity is built.
  let samples = 0;
  const spans = sessions.map((session, index) => {
    const window = sessionWindow(session, records, nextStarts[index]);
    if (!window) return undefined;
    const group = groups.get(session);
    const ownRecords =
      group && group.records.length > 0 ? group.records : timeline.between(window.startMs, window.endMs);
    samples += ownRecords.length;
    if (samples > FILE_LIMITS.samples) throw tooMany('samples', 'FIT');
    return { window, ownRecords };
  });
  sessions.forEach((session, index) => {
    const span = spans[index];
    if (!span) return;
    const { window, ownRecords } = span;
    const inWindow = (t: number) => t >= window.startMs && t <= window.endMs;
    const group = groups.get(session);
    const points = ownRecords.map(pointOf);
    const sessionLaps: LapSummary[] = [];
    if (group && group.laps.length > 0) {
      for (const lap of group.laps) {
        const summary = lapOf(lap, sessionLaps.at(-1)?.endMs ?? window.startMs);
        if (summary) sessionLaps.push(summary);
      }
    } else {
      for (const lap of laps) {
        const summary = lapOf(lap, sessionLaps.at(-1)?.endMs ?? window.startMs);
        if (summary && inWindow(summary.startMs) && summary.startMs < window.endMs + 1000) sessionLaps.push(summary);
      }
    }
    activities.push(
      buildActivity({
        summaryId: contentSummaryId('fit', bytes, index),
        type: activityTypeFromFit(session.sport, session.subSport),
        name: sessionName(session),
        startMs: window.startMs,
        endMs: window.endMs,
        points,
        laps: sessionLaps,
        device,
        summary: {
          distance: num(session.totalDistance),
          calories: num(session.totalCalories),
          avgHr: num(session.avgHeartRate),
          maxHr: num(session.maxHeartRate),
          minHr: num(session.minHeartRate),
          avgSpeed: num(session.enhancedAvgSpeed) ?? num(session.avgSpeed),
          maxSpeed: num(session.enhancedMaxSpeed) ?? num(session.maxSpeed),
          avgCadence: num(session.avgCadence),
          maxCadence: num(session.maxCadence),
          avgPower: num(session.avgPower),
          maxPower: num(session.maxPower),
          ascent: num(session.totalAscent),
          descent: num(session.totalDescent),
          timerSeconds: num(session.totalTimerTime),
          workKj: num(session.totalWork) === undefined ? undefined : num(session.totalWork)! / 1000,
          poolLength: session.sport === 'swimming' ? num(session.poolLength) : undefined,
          numLengths:
            session.sport === 'swimming' ? (num(session.numActiveLengths) ?? num(session.numLengths)) : undefined,
          numStrokes: session.sport === 'swimming' ? num(session.totalCycles) : undefined,
        },
      }),
    );
  });
  if (activities.length === 0)
    throw badFile('not a workout: the FIT sessions carry no start time and no timed records');
  return activities;
}

const RECORD = Profile.MesgNum.RECORD;
const LAP = Profile.MesgNum.LAP;
const SESSION = Profile.MesgNum.SESSION;
const HR = Profile.MesgNum.HR;

/** Records by time, for the records of a session window by binary search (not a scan per session). */
class Timeline {
  private readonly sorted: Mesg[];
  private readonly times: number[];

  constructor(records: Mesg[]) {
    const times = records.map((r) => (r.timestamp as Date).getTime());
    const inOrder = times.every((t, i) => i === 0 || times[i - 1] <= t);
    this.sorted = inOrder ? records : [...records].sort((a, b) => time(a) - time(b));
    this.times = inOrder ? times : this.sorted.map(time);
  }

  /** The records with startMs <= t <= endMs, in time order. */
  between(startMs: number, endMs: number): Mesg[] {
    return this.sorted.slice(this.firstAtOrAfter(startMs), this.firstAtOrAfter(endMs + 1));
  }

  private firstAtOrAfter(ms: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[mid] < ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function time(record: Mesg): number {
  return (record.timestamp as Date).getTime();
}

/**
 * For each session, the start of the first session after it in the file that starts later
 * (its window ends there): the "next greater element", linear with a stack.
 */
function nextLaterStarts(starts: (number | undefined)[]): (number | undefined)[] {
  const out: (number | undefined)[] = new Array<number | undefined>(starts.length).fill(undefined);
  const waiting: number[] = [];
  starts.forEach((start, index) => {
    if (start === undefined) return;
    while (waiting.length > 0 && (starts[waiting.at(-1)!] ?? Infinity) < start) out[waiting.pop()!] = start;
    waiting.push(index);
  });
  // A session without a start time ends where the next session with one starts.
  let nextDefined: number | undefined;
  for (let index = starts.length - 1; index >= 0; index--) {
    if (starts[index] === undefined) out[index] = nextDefined;
    else nextDefined = starts[index];
  }
  return out;
}

/** Records and laps written before each session (and after the previous one), in file order. */
function groupBySession(
  order: { num: number; mesg: Mesg }[],
  sessions: Mesg[],
): Map<Mesg, { records: Mesg[]; laps: Mesg[] }> {
  const groups = new Map<Mesg, { records: Mesg[]; laps: Mesg[] }>();
  let pending = { records: [] as Mesg[], laps: [] as Mesg[] };
  for (const { num, mesg } of order) {
    if (num === RECORD) {
      if (mesg.timestamp instanceof Date) pending.records.push(mesg);
    } else if (num === LAP) pending.laps.push(mesg);
    else {
      groups.set(mesg, pending);
      pending = { records: [], laps: [] };
    }
  }
  // Records after the last session (a file that writes its summary first) stay with it.
  const last = sessions.at(-1);
  const lastGroup = last ? groups.get(last) : undefined;
  if (lastGroup && lastGroup.records.length === 0) lastGroup.records = pending.records;
  if (lastGroup && lastGroup.laps.length === 0) lastGroup.laps = pending.laps;
  return groups;
}

/**
 * A session spans from its start to the later of start + elapsed time and its timestamp
 * (devices disagree on which one is exact), never into the next session.
 */
function sessionWindow(
  session: Mesg,
  records: Mesg[],
  nextStartMs: number | undefined,
): { startMs: number; endMs: number } | undefined {
  let startMs = session.startTime instanceof Date ? session.startTime.getTime() : undefined;
  if (startMs === undefined) {
    const first = records[0]?.timestamp;
    startMs = first instanceof Date ? first.getTime() : undefined;
  }
  if (startMs === undefined) return undefined;
  const elapsed = num(session.totalElapsedTime);
  const stampMs = session.timestamp instanceof Date ? session.timestamp.getTime() : undefined;
  let endMs = Math.max(elapsed !== undefined ? startMs + elapsed * 1000 : startMs, stampMs ?? startMs);
  if (nextStartMs !== undefined && endMs >= nextStartMs) endMs = Math.max(startMs, nextStartMs - 1);
  return { startMs, endMs };
}

function pointOf(record: Mesg): TrackPoint {
  const point: TrackPoint = { t: (record.timestamp as Date).getTime() };
  const lat = num(record.positionLat);
  const lng = num(record.positionLong);
  if (lat !== undefined && lng !== undefined) {
    point.lat = semicirclesToDegrees(lat);
    point.lng = semicirclesToDegrees(lng);
  }
  const altitude = num(record.enhancedAltitude) ?? num(record.altitude);
  if (altitude !== undefined) point.altitude = altitude;
  const distance = num(record.distance);
  if (distance !== undefined) point.distance = distance;
  const hr = num(record.heartRate);
  if (hr !== undefined) point.hr = hr;
  const cadence = num(record.cadence);
  if (cadence !== undefined) point.cadence = cadence;
  const speed = num(record.enhancedSpeed) ?? num(record.speed);
  if (speed !== undefined) point.speed = speed;
  const power = num(record.power);
  if (power !== undefined) point.power = power;
  return point;
}

/** A lap's window; some writers omit start_time, which then follows from its end and length or from the lap before. */
function lapOf(lap: Mesg, previousEndMs: number): LapSummary | undefined {
  const elapsed = num(lap.totalElapsedTime);
  const stampMs = lap.timestamp instanceof Date ? lap.timestamp.getTime() : undefined;
  let startMs: number | undefined;
  if (lap.startTime instanceof Date) startMs = lap.startTime.getTime();
  else if (stampMs !== undefined && elapsed !== undefined) startMs = stampMs - elapsed * 1000;
  else if (stampMs !== undefined) startMs = Math.min(previousEndMs, stampMs);
  if (startMs === undefined) return undefined;
  const endMs = elapsed !== undefined ? startMs + elapsed * 1000 : (stampMs ?? startMs);
  return {
    startMs,
    endMs,
    distance: num(lap.totalDistance),
    calories: num(lap.totalCalories),
    avgHr: num(lap.avgHeartRate),
    avgSpeed: num(lap.enhancedAvgSpeed) ?? num(lap.avgSpeed),
    totalStrokes: lap.sport === 'swimming' ? num(lap.totalCycles) : undefined,
    strokeType: lap.sport === 'swimming' ? strokeTypeOf(lap.swimStroke) : undefined,
  };
}

const STROKES: Record<string, string> = {
  freestyle: 'freestyle',
  backstroke: 'backstroke',
  breaststroke: 'breaststroke',
  butterfly: 'butterfly',
};

function strokeTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return STROKES[value] ?? 'other';
}

function sessionName(session: Mesg): string | undefined {
  const sport = typeof session.sport === 'string' ? session.sport : undefined;
  const subSport =
    typeof session.subSport === 'string' && session.subSport !== 'generic' ? session.subSport : undefined;
  if (!sport) return undefined;
  return subSport ? `${sport} (${subSport})` : sport;
}

function deviceOf(fileId: Mesg | undefined, deviceInfos: Mesg[]): DeviceInfo | undefined {
  if (!fileId) return undefined;
  const creator = deviceInfos.find((d) => d.deviceIndex === 'creator' || d.deviceIndex === 0) ?? {};
  const manufacturer =
    typeof fileId.manufacturer === 'string' ? fileId.manufacturer : num(fileId.manufacturer)?.toString();
  const product =
    (typeof fileId.productName === 'string' && fileId.productName) ||
    (typeof fileId.garminProduct === 'string' && fileId.garminProduct) ||
    (num(fileId.product) !== undefined ? String(fileId.product) : undefined);
  const serial = num(fileId.serialNumber);
  const software = num(creator.softwareVersion);
  return {
    manufacturer,
    name: product || undefined,
    serialNumber: serial !== undefined ? String(serial) : undefined,
    softwareVersion: software !== undefined ? String(software) : undefined,
  };
}

function describeFitError(error: Error): string {
  const message = error.message.replace(/^FIT Runtime Error\s*/, '');
  if (/compressed timestamp/i.test(message))
    return `${message.trim()} (the file uses compressed-timestamp records, which @garmin/fitsdk does not decode)`;
  if (/end of stream/i.test(message)) return `${message.trim()} (the file is truncated)`;
  if (/CRC/i.test(message)) return `${message.trim()} (a chained part of the file is corrupted)`;
  return message.trim() || 'decoder error';
}
