/* eslint-disable @typescript-eslint/no-explicit-any -- answers are JSON read back freely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/api/context.ts';
import { createLogger } from '../../src/core/logger.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { MCP_LIMITS } from '../../src/mcp/limits.ts';
import type { Principal } from '../../src/mcp/principal.ts';
import { downsample, recordDetail } from '../../src/mcp/record-detail.ts';
import { parsePeriod, ToolRefusal } from '../../src/mcp/scope.ts';
import { readPeriod, summarizePeriod, summaryAnswer } from '../../src/mcp/summaries.ts';
import type { User } from '../../src/store/store.ts';
import { openTestStore, type TestStore } from '../helpers/engines.ts';
import { activity } from '../api/records.ts';

/** The MCP answers' bounds: days, records, bytes and sample points. */
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const user: User = {
  userId: 'u-1',
  devId: 'dev',
  provider: 'GARMIN',
  referenceId: null,
  providerUserId: null,
  state: 'connected',
  active: true,
  scopes: null,
  lastWebhookUpdate: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** An hour-long ride at 1 Hz with a long route polyline. */
function longRide(seconds = 4 * 3600) {
  const start = Date.parse('2026-03-01T08:00:00.000Z');
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  return {
    metadata: { summary_id: 'ride', start_time: at(0), end_time: at(seconds), type: 1, upload_type: 1 },
    heart_rate_data: {
      summary: { avg_hr_bpm: 140 },
      detailed: { hr_samples: Array.from({ length: seconds }, (_, s) => ({ timestamp: at(s), bpm: 100 + (s % 60) })) },
    },
    power_data: { samples: Array.from({ length: seconds }, (_, s) => ({ timestamp: at(s), watts: 200 + (s % 10) })) },
    polyline_map_data: { summary_polyline: 'x'.repeat(200_000) },
  };
}

describe('MCP answer bounds', () => {
  it('averages a series into buckets of the requested resolution, widened to max_points', () => {
    const items = Array.from({ length: 3600 }, (_, s) => ({
      timestamp: new Date(Date.UTC(2026, 2, 1, 8) + s * 1000).toISOString(),
      bpm: s < 60 ? 100 : 150,
    }));
    const minute = downsample('hr', items, 60, 1000);
    expect(minute).toMatchObject({ original_count: 3600, resolution_seconds: 60 });
    expect(minute.points).toHaveLength(60);
    expect(minute.points[0]).toEqual({ timestamp: '2026-03-01T08:00:00.000Z', bpm: 100, samples: 60 });
    expect(minute.points[1]).toMatchObject({ bpm: 150, samples: 60 });
    const capped = downsample('hr', items, 1, 20);
    expect(capped.points.length).toBeLessThanOrEqual(20);
    expect(capped.resolution_seconds).toBe(180);
    // Offsets are answered as offsets, not as 1970 instants.
    const offsets = downsample(
      'laps',
      [
        { timer_duration_seconds: 0, v: 1 },
        { timer_duration_seconds: 90, v: 3 },
      ],
      60,
      100,
    );
    expect(offsets.points).toEqual([
      { timer_duration_seconds: 0, v: 1, offset_seconds: 0 },
      { timer_duration_seconds: 90, v: 3, offset_seconds: 60 },
    ]);
  });

  it('keeps a large record’s detail within the byte bound, naming what it left out', () => {
    const detail = recordDetail('activity', longRide(), user, { resolutionSeconds: 1, maxPoints: 2000 });
    expect(bytes(detail)).toBeLessThanOrEqual(MCP_LIMITS.maxAnswerBytes);
    expect(detail.omitted_fields).toEqual(['polyline_map_data']);
    const samples = detail.samples as any[];
    expect(samples.map((s) => s.path)).toEqual(['heart_rate_data.detailed.hr_samples', 'power_data.samples']);
    for (const series of samples) {
      expect(series.original_count).toBe(4 * 3600);
      expect(series.points.length).toBeGreaterThanOrEqual(10);
      expect(series.points.length).toBeLessThan(2000);
    }
    expect(detail.citation).toMatchObject({ summary_id: 'ride', provider: 'GARMIN' });
  });

  it('keeps a year of daily summaries within the byte bound, cutting days first and saying so', () => {
    const records = Array.from({ length: 366 }, (_, i) => {
      const day = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      return {
        metadata: { start_time: `${day}T00:00:00+00:00`, end_time: `${day}T23:59:59+00:00`, upload_type: 1 },
        distance_data: { steps: 8000 + i, distance_meters: 6000, floors_climbed: 10 },
        calories_data: { total_burned_calories: 2400, net_activity_calories: 500 },
        active_durations_data: { activity_seconds: 3600 },
        heart_rate_data: { summary: { resting_hr_bpm: 55, avg_hr_bpm: 70, avg_hrv_rmssd: 45 } },
        stress_data: { avg_stress_level: 30 },
        oxygen_data: { avg_saturation_percentage: 97 },
      };
    });
    const period = parsePeriod('2025-01-01', '2026-01-01');
    const answer = summaryAnswer(summarizePeriod(user, 'daily', period, { records, truncated: false })) as any;
    expect(bytes(answer)).toBeLessThanOrEqual(MCP_LIMITS.maxAnswerBytes);
    expect(answer.record_count).toBe(366);
    expect(answer.metrics.steps).toMatchObject({ records: 366, total: 366 * 8000 + (365 * 366) / 2, min: 8000 });
    expect(answer.omitted.days).toBeGreaterThan(0);
    expect(answer.days.length + answer.omitted.days).toBe(366);
    expect(answer.note).toMatch(/size bound/);
  });

  it('refuses periods longer than the bound or out of order', () => {
    expect(() => parsePeriod('2025-01-01', '2026-01-02')).toThrow(ToolRefusal);
    expect(() => parsePeriod('2025-01-01', '2026-01-02')).toThrow(/at most 366 days/);
    expect(() => parsePeriod('2025-02-01', '2025-01-01')).toThrow(/end_date must not be before start_date/);
    expect(parsePeriod('2025-01-01', '2025-12-31')).toEqual({
      startMs: Date.UTC(2025, 0, 1),
      endMs: Date.UTC(2026, 0, 1),
    });
  });

  describe('records read per summary', () => {
    let t: TestStore;
    let stored: User;
    beforeAll(async () => {
      t = await openTestStore('sqlite', 'mcp-bounds');
      const devId = (await t.store.developers.create({ name: 'A' })).developer.devId;
      stored = await t.store.users.create(devId, { provider: 'UPLOAD' });
      const records = Array.from({ length: MCP_LIMITS.maxRecords + 5 }, (_, i) =>
        activity(`a-${i}`, new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString(), 1),
      );
      await storeRecords(t.store, { user: stored, type: 'activity', records });
    });
    afterAll(async () => {
      await t?.close();
    });

    it(`reads at most ${MCP_LIMITS.maxRecords} records and says the summary was truncated`, async () => {
      const ctx = { store: t.store, logger: createLogger('silent') } as unknown as ApiContext;
      const principal: Principal = {
        kind: 'developer',
        devId: stored.devId,
        developer: { devId: stored.devId, name: 'A', enabledProviders: null, createdAt: '' },
      };
      const period = parsePeriod('2026-03-01', '2026-03-02');
      const read = await readPeriod(ctx, principal, stored, 'activity', period);
      expect(read.records).toHaveLength(MCP_LIMITS.maxRecords);
      expect(read.truncated).toBe(true);
      const answer = summaryAnswer(summarizePeriod(stored, 'activity', period, read)) as any;
      expect(answer.record_count).toBe(MCP_LIMITS.maxRecords);
      expect(answer.truncated).toMatch(/more than 1000 records/);
      expect(bytes(answer)).toBeLessThanOrEqual(MCP_LIMITS.maxAnswerBytes);
      expect(answer.records.length + (answer.omitted?.records ?? 0)).toBe(MCP_LIMITS.maxRecords);
    });
  });
});
