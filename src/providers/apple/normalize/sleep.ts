import type { TerraRecord } from '../../../model/data-types.ts';
import { SLEEP_TYPE } from '../hk-types.ts';
import { merge } from '../priority.ts';
import type { SampleRow } from '../samples.ts';
import { formatLocal } from '../units.ts';
import { compact, round } from './common.ts';
import { maxOf, minOf } from '../../../core/numbers.ts';

const IN_BED = 'HKCategoryValueSleepAnalysisInBed';
/** HealthKit stage → Terra SleepLevel (1 awake, 2 sleeping, 4 light, 5 deep, 6 REM). */
const LEVEL: Readonly<Record<string, number>> = {
  HKCategoryValueSleepAnalysisAwake: 1,
  HKCategoryValueSleepAnalysisAsleepUnspecified: 2,
  HKCategoryValueSleepAnalysisAsleepCore: 4,
  HKCategoryValueSleepAnalysisAsleepDeep: 5,
  HKCategoryValueSleepAnalysisAsleepREM: 6,
};
/** A gap longer than this between samples starts a new session. */
const SESSION_GAP_MS = 2 * 3600_000;

interface Segment {
  start: number;
  end: number;
  level: number;
}

/**
 * Terra Sleep sessions for one night group (`sleep:<date>` bucket). Samples closer than two
 * hours form one session. Stages from several sources (Watch, iPhone, sleep apps) follow the
 * same precedence as cumulative metrics: Watch > iPhone > others, a lower source filling only
 * the time no higher source covers, so overlapping stages are never counted twice. In-bed time
 * is the union of InBed samples from every source.
 */
export function normalizeSleep(nightDate: string, rows: readonly SampleRow[]): TerraRecord[] {
  const samples = rows
    .filter((row) => row.type === SLEEP_TYPE && row.textValue !== null)
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const sessions: SampleRow[][] = [];
  let sessionEnd = -Infinity;
  for (const sample of samples) {
    if (sample.startMs - sessionEnd > SESSION_GAP_MS) sessions.push([]);
    sessions[sessions.length - 1].push(sample);
    sessionEnd = Math.max(sessionEnd, sample.endMs);
  }
  return sessions.map((session, index) => sessionRecord(`${nightDate}-${index}`, session));
}

function sessionRecord(id: string, session: SampleRow[]): TerraRecord {
  const offsetMin = session[0].offsetMin;
  const start = minOf(session.map((s) => s.startMs));
  const end = maxOf(session.map((s) => s.endMs));
  const inBedIntervals = merge(
    session.filter((s) => s.textValue === IN_BED).map((s): [number, number] => [s.startMs, s.endMs]),
  );
  const inBed = inBedIntervals.length ? inBedIntervals.reduce((total, [a, b]) => total + (b - a), 0) / 1000 : undefined;
  const segments = stageTimeline(session.filter((s) => s.textValue !== IN_BED && LEVEL[s.textValue!] !== undefined));
  const seconds = (levels: number[]) =>
    segments.filter((s) => levels.includes(s.level)).reduce((total, s) => total + (s.end - s.start), 0) / 1000;
  const hasStages = segments.length > 0;
  const asleep = seconds([2, 4, 5, 6]);
  const staged = segments.some((s) => s.level >= 4);
  const localHour = new Date(start + offsetMin * 60_000).getUTCHours();
  const manual = session.every((s) => Number(s.meta?.HKWasUserEntered) === 1);
  return {
    metadata: {
      summary_id: `apple-sleep-${id}`,
      start_time: formatLocal(start, offsetMin),
      end_time: formatLocal(end, offsetMin),
      is_nap: end - start < 3 * 3600_000 && localHour >= 9 && localHour < 20,
      upload_type: manual ? 1 : 2,
      timestamp_localization: 1,
    },
    device_data: { name: sourceNames(session) },
    sleep_durations_data: compact({
      asleep: hasStages
        ? compact({
            duration_asleep_state_seconds: asleep,
            duration_light_sleep_state_seconds: staged ? seconds([4]) : undefined,
            duration_deep_sleep_state_seconds: staged ? seconds([5]) : undefined,
            duration_REM_sleep_state_seconds: staged ? seconds([6]) : undefined,
          })
        : undefined,
      awake: hasStages ? { duration_awake_state_seconds: seconds([1]) } : undefined,
      other: inBed === undefined ? undefined : { duration_in_bed_seconds: inBed },
      sleep_efficiency: inBed && hasStages ? round((asleep / inBed) * 100, 2) : undefined,
      hypnogram_samples: segments.map((s) => ({ timestamp: formatLocal(s.start, offsetMin), level: s.level })),
    }),
  };
}

function sourceNames(session: SampleRow[]): string {
  return [...new Set(session.map((s) => s.sourceName))].sort().join(', ');
}

/** Non-overlapping stage segments: each source fills only time no higher-ranked source covers. */
function stageTimeline(stages: SampleRow[]): Segment[] {
  const bySource = new Map<string, SampleRow[]>();
  for (const s of stages) bySource.set(s.sourceName, [...(bySource.get(s.sourceName) ?? []), s]);
  const ranked = [...bySource.entries()].sort(
    ([a, x], [b, y]) => y[0].priority - x[0].priority || (a < b ? -1 : a > b ? 1 : 0),
  );
  let covered: [number, number][] = [];
  const segments: Segment[] = [];
  for (const [, samples] of ranked) {
    for (const s of samples) {
      for (const [a, b] of uncovered(covered, s.startMs, s.endMs))
        segments.push({ start: a, end: b, level: LEVEL[s.textValue!] });
    }
    covered = merge([...covered, ...samples.map((s): [number, number] => [s.startMs, s.endMs])]);
  }
  return segments.sort((a, b) => a.start - b.start);
}

function uncovered(covered: readonly [number, number][], start: number, end: number): [number, number][] {
  const pieces: [number, number][] = [];
  let cursor = start;
  for (const [a, b] of covered) {
    if (b <= cursor) continue;
    if (a >= end) break;
    if (a > cursor) pieces.push([cursor, a]);
    cursor = Math.max(cursor, b);
    if (cursor >= end) break;
  }
  if (cursor < end) pieces.push([cursor, end]);
  return pieces;
}
