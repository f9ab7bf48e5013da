import { describe, expect, it } from 'vitest';
import { precedenceSum } from './priority.ts';
import type { SampleRow } from './samples.ts';

const H = 3600_000;
const row = (source: string, priority: number, startH: number, endH: number, value: number): SampleRow => ({
  uuid: null,
  type: 'HKQuantityTypeIdentifierStepCount',
  sourceName: source,
  startMs: startH * H,
  endMs: endH * H,
  offsetMin: 0,
  bucket: '1970-01-01',
  value,
  textValue: null,
  priority,
  meta: null,
});

describe('source precedence for cumulative metrics', () => {
  it('counts the Watch once where it overlaps the iPhone, and the iPhone where the Watch is silent', () => {
    const rows = [row('Watch', 3, 8, 9, 1000), row('iPhone', 2, 8, 9, 1100), row('iPhone', 2, 12, 13, 500)];
    expect(precedenceSum(rows)).toBe(1500);
  });

  it('pro-rates a partly covered lower-priority sample', () => {
    expect(precedenceSum([row('iPhone', 2, 18, 19, 600), row('Watch', 3, 18.5, 19, 400)])).toBe(700);
  });

  it('ranks equal tiers by source name, so the result does not depend on arrival order', () => {
    const a = [row('Pedometer++', 1, 8, 9, 300), row('Fitbit', 1, 8, 9, 200)];
    expect(precedenceSum(a)).toBe(200);
    expect(precedenceSum([...a].reverse())).toBe(200);
  });

  it('sums one source’s own samples and counts instants unless covered', () => {
    expect(precedenceSum([row('Watch', 3, 1, 2, 10), row('Watch', 3, 2, 3, 20)])).toBe(30);
    expect(precedenceSum([row('Watch', 3, 1, 2, 10), row('Scale', 1, 1.5, 1.5, 5), row('Scale', 1, 4, 4, 7)])).toBe(17);
  });
});
