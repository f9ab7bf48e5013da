import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildActivity, type TrackPoint } from '../../src/formats/activity.ts';
import { FILE_LIMITS } from '../../src/formats/errors.ts';
import { InflateBudget, decodeWorkoutFile } from '../../src/formats/index.ts';
import { makeZip } from '../formats/zip-writer.ts';
import { fitSharedWindow, zipOfGzipBombs } from './hostile-files.ts';

const MB = 1024 * 1024;

describe('one inflated-byte budget per upload (issue 10, item 3)', () => {
  it('gzip entries inside a zip count against the upload budget, not each against the whole limit', async () => {
    // 12 entries of 4 MB each once inflated: every entry alone fits in 10 MB, together 48 MB do not.
    const zip = zipOfGzipBombs(12, 4 * MB);
    expect(zip.length).toBeLessThan(200_000);
    const error = await decodeWorkoutFile(zip, { maxBytes: 10 * MB }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit_bytes: 10 * MB } });
  });

  it('a budget shared by several files of one request refuses the file that spends it', async () => {
    const budget = new InflateBudget(6 * MB);
    const gz = gzipSync(Buffer.alloc(4 * MB));
    // The first file is no workout (a 400 for its content), but its 4 MB were inflated and count.
    await expect(decodeWorkoutFile(gz, { maxBytes: 6 * MB, budget })).rejects.toMatchObject({
      code: 'unsupported_media_type',
    });
    await expect(decodeWorkoutFile(gz, { maxBytes: 6 * MB, budget })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
  });

  it('a gzip inside a gzip is refused, not inflated layer after layer', async () => {
    const twice = gzipSync(gzipSync(Buffer.from('not a workout')));
    await expect(decodeWorkoutFile(twice, { maxBytes: MB })).rejects.toThrow(/gzip inside a gzip/);
  });

  it('a zip of small entries still imports within the budget', async () => {
    const zip = makeZip([{ name: 'a.fit.gz', data: gzipSync(fitSharedWindow(1, 100)) }]);
    const decoded = await decodeWorkoutFile(zip, { maxBytes: MB });
    expect(decoded.parts).toHaveLength(1);
  });
});

describe('FIT decoding is bounded and linear (issue 10, item 3)', () => {
  it('sessions sharing one window cannot multiply the samples: a clear 413 instead of a huge event', async () => {
    // 150 sessions × 5,000 records: 750,000 samples from a ~100 KB file.
    const fit = fitSharedWindow(150, 5000);
    expect(fit.length).toBeLessThan(150_000);
    const error = await decodeWorkoutFile(fit, { maxBytes: 10 * MB }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit_samples: FILE_LIMITS.samples } });
    expect((error as Error).message).toMatch(/more than 600000 samples/);
  });

  it('a file with more sessions than any workout is refused with a 413 naming the limit', async () => {
    const fit = fitSharedWindow(FILE_LIMITS.sessions + 1, 2);
    const error = await decodeWorkoutFile(fit, { maxBytes: 10 * MB }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit_sessions: FILE_LIMITS.sessions } });
  });

  it('at the session limit, window assignment stays fast (no scan of every session per session)', async () => {
    const fit = fitSharedWindow(FILE_LIMITS.sessions, 500);
    const started = performance.now();
    const decoded = await decodeWorkoutFile(fit, { maxBytes: 10 * MB });
    const elapsed = performance.now() - started;
    expect(decoded.parts[0]!.activities).toHaveLength(FILE_LIMITS.sessions);
    // 100,000 samples in all; the work is linear in them (a generous budget for a loaded machine).
    expect(elapsed).toBeLessThan(60_000);
  });
});

describe('long recordings (issue 10, low: spread arguments)', () => {
  it('an activity of 150,000 positioned points builds (Math.min(...list) threw a RangeError → 500)', () => {
    const points: TrackPoint[] = Array.from({ length: 150_000 }, (_, i) => ({
      t: Date.UTC(2024, 0, 1) + i * 1000,
      lat: 45 + i / 1e6,
      lng: 7 + i / 1e6,
    }));
    const activity = buildActivity({
      summaryId: 'long',
      type: 8,
      startMs: points[0]!.t,
      endMs: points.at(-1)!.t,
      points,
      laps: [],
      summary: {},
    });
    const position = activity.position_data as { center_pos_lat_lng_deg: number[] };
    expect(position.center_pos_lat_lng_deg[0]).toBeCloseTo(45 + 149_999 / 2e6, 6);
  });
});
