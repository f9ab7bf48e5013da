import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../core/config.ts';
import { nextRetry } from './schedule.ts';

describe('nextRetry', () => {
  it('follows the default schedule: doubling from 30 s, capped at 8 h, 10 retries', () => {
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual(
      [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360].map((s) => Math.min(s, 28800)),
    );
    const mid = () => 0.5; // no jitter
    expect(nextRetry({ attempts: 1, scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS, random: mid })).toEqual({
      retry: true,
      delayMs: 30_000,
    });
    expect(nextRetry({ attempts: 10, scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS, random: mid })).toEqual({
      retry: true,
      delayMs: 15_360_000,
    });
    expect(nextRetry({ attempts: 11, scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS, random: mid })).toEqual({
      retry: false,
    });
  });

  it('applies ±20 % jitter', () => {
    expect(nextRetry({ attempts: 1, scheduleSeconds: [100], random: () => 0 })).toEqual({
      retry: true,
      delayMs: 80_000,
    });
    expect(nextRetry({ attempts: 1, scheduleSeconds: [100], random: () => 0.999999 })).toMatchObject({
      delayMs: 119_999 + 1,
    });
  });

  it('honours Retry-After between the scheduled delay and the longest delay of the schedule', () => {
    const schedule = [10, 20, 40];
    expect(nextRetry({ attempts: 1, scheduleSeconds: schedule, retryAfterMs: 25_000 })).toEqual({
      retry: true,
      delayMs: 25_000,
    });
    expect(nextRetry({ attempts: 1, scheduleSeconds: schedule, retryAfterMs: 3_600_000 })).toEqual({
      retry: true,
      delayMs: 40_000,
    });
    // A Retry-After shorter than the schedule never makes us retry sooner.
    const short = nextRetry({ attempts: 2, scheduleSeconds: schedule, retryAfterMs: 1000, random: () => 0.5 });
    expect(short).toEqual({ retry: true, delayMs: 20_000 });
  });
});
