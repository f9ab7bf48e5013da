import { describe, expect, it } from 'vitest';
import { formatLocal, localDate, parseLocalInstant, toCanonical } from './units.ts';

describe('Apple unit normalization', () => {
  it('converts distance, energy and mass to m, kcal and kg', () => {
    expect(toCanonical(1, 'mi', 'length')).toBeCloseTo(1609.344, 9);
    expect(toCanonical(2.5, 'km', 'length')).toBe(2500);
    expect(toCanonical(418.4, 'kJ', 'energy')).toBeCloseTo(100, 9);
    expect(toCanonical(50, 'Cal', 'energy')).toBe(50);
    expect(toCanonical(50, 'kcal', 'energy')).toBe(50);
    expect(toCanonical(176.37, 'lb', 'mass')).toBeCloseTo(80.0001, 3);
    expect(toCanonical(0.97, '%', 'fraction')).toBeCloseTo(97, 9);
    expect(toCanonical(98.6, 'degF', 'temperature')).toBeCloseTo(37, 9);
    expect(toCanonical(5.5, 'mmol<180.15588000005408>/L', 'glucose')).toBeCloseTo(99.086, 3);
    expect(toCanonical(0.5, 'L', 'volume')).toBe(500);
  });

  it('refuses a unit that does not fit, naming it', () => {
    expect(() => toCanonical(1, 'kg', 'length', 'totalDistance')).toThrow(
      /totalDistance: unit "kg" is not a known length unit/,
    );
  });

  it('parses export dates and ISO 8601, keeping the offset', () => {
    expect(parseLocalInstant('2024-01-01 01:01:36 +0200')).toEqual({
      ms: Date.parse('2023-12-31T23:01:36Z'),
      offsetMin: 120,
    });
    expect(parseLocalInstant('2016-11-14 07:25:41 -0700')).toEqual({
      ms: Date.parse('2016-11-14T14:25:41Z'),
      offsetMin: -420,
    });
    expect(parseLocalInstant('2024-01-01T01:01:36.250+05:30')).toEqual({
      ms: Date.parse('2023-12-31T19:31:36.250Z'),
      offsetMin: 330,
    });
    expect(parseLocalInstant('2024-01-01T01:01:36Z')).toEqual({ ms: Date.parse('2024-01-01T01:01:36Z'), offsetMin: 0 });
    expect(parseLocalInstant('2024-01-01 01:01:36')).toBeUndefined();
    expect(parseLocalInstant('2024-13-01 01:01:36 +0200')).toBeUndefined();
    expect(parseLocalInstant('2024-01-0x 01:01:36 +0200')).toBeUndefined();
  });

  it('formats local ISO 8601 with offset and finds the local date', () => {
    const { ms, offsetMin } = parseLocalInstant('2024-01-01 00:30:00 +0200')!;
    expect(formatLocal(ms, offsetMin)).toBe('2024-01-01T00:30:00.000000+02:00');
    expect(localDate(ms, offsetMin)).toBe('2024-01-01');
    expect(localDate(ms, 0)).toBe('2023-12-31');
    expect(formatLocal(ms, -330)).toBe('2023-12-31T17:00:00.000000-05:30');
  });
});
