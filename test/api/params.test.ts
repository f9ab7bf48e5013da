import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/core/errors.ts';
import { parseDateParam, parseRange, requireParam } from '../../src/api/params.ts';

const NOW = Date.parse('2026-06-15T12:00:00Z');

function parameterOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof TributaryError ? error.details.parameter : error;
  }
  return 'no error';
}

describe('date parameters', () => {
  it('reads YYYY-MM-DD as a UTC day (an end day includes the whole day) and digits as unix seconds', () => {
    expect(parseDateParam('start_date', '2026-03-01', 'start')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseDateParam('end_date', '2026-03-01', 'end')).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(parseDateParam('start_date', '1772352000', 'start')).toBe(1772352000 * 1000);
  });

  it('rejects impossible days and other text, naming the parameter', () => {
    for (const value of ['2026-02-30', '2026-13-01', 'tomorrow', '2026-3-1', '-5', '']) {
      expect(
        parameterOf(() => parseDateParam('start_date', value, 'start')),
        value,
      ).toBe('start_date');
    }
  });

  it('end_date defaults to now, or to the end of a future start day', () => {
    expect(parseRange({ start_date: '2026-06-01' }, NOW)).toEqual({
      startMs: Date.parse('2026-06-01T00:00:00Z'),
      endMs: NOW,
    });
    expect(parseRange({ start_date: '2026-07-01' }, NOW)).toEqual({
      startMs: Date.parse('2026-07-01T00:00:00Z'),
      endMs: Date.parse('2026-07-02T00:00:00Z'),
    });
  });

  it('an end_date before start_date is a 400 on end_date, also when it is the day before', () => {
    expect(parameterOf(() => parseRange({ start_date: '2026-03-02', end_date: '2026-03-01' }, NOW))).toBe('end_date');
    expect(parameterOf(() => parseRange({ start_date: '1772438400', end_date: '1772438399' }, NOW))).toBe('end_date');
    expect(parseRange({ start_date: '2026-03-02', end_date: '2026-03-02' }, NOW)).toEqual({
      startMs: Date.parse('2026-03-02T00:00:00Z'),
      endMs: Date.parse('2026-03-03T00:00:00Z'),
    });
    expect(parameterOf(() => parseRange({}, NOW))).toBe('start_date');
  });
});

describe('requireParam', () => {
  it('names the parameter when it is missing, empty or repeated', () => {
    expect(requireParam('user_id', 'abc')).toBe('abc');
    for (const value of [undefined, '', '  ', ['a', 'b']])
      expect(parameterOf(() => requireParam('user_id', value))).toBe('user_id');
  });
});
