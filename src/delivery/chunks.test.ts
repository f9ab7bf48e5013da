import { describe, expect, it } from 'vitest';
import { chunkRecords, isLongerThanOneMonth } from './service.ts';

describe('large requests', () => {
  it('counts a range as large only past one calendar month', () => {
    expect(isLongerThanOneMonth(Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1))).toBe(false);
    expect(isLongerThanOneMonth(Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1) + 1)).toBe(true);
    expect(isLongerThanOneMonth(Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1))).toBe(false); // 28 days, one month
  });

  it('chunks by at most N records and at most the byte budget, a single oversized record alone', () => {
    const rows = Array.from({ length: 23 }, (_, i) => `{"i":${i}}`);
    expect(chunkRecords(rows).map((c) => c.length)).toEqual([10, 10, 3]);
    const big = 'x'.repeat(60);
    expect(chunkRecords([big, big, 'a', big], 10, 100).map((c) => c.length)).toEqual([1, 2, 1]);
    expect(chunkRecords([])).toEqual([]);
  });
});
