import { describe, expect, it } from 'vitest';
import { enumCode, enumName, isEnumCode } from './enums.ts';
import { ActivityType, MenstrualPhase, SleepLevel } from './generated/terra-types.ts';

describe('enum lookups', () => {
  it('name ↔ code', () => {
    expect(enumName(ActivityType, 8)).toBe('RUNNING');
    expect(enumName(ActivityType, 83)).toBe('SWIMMING_SWIMMING_POOL');
    expect(enumCode(ActivityType, 'HURLING')).toBe(148);
    expect(enumName(SleepLevel, 6)).toBe('REM_SLEEP');
    expect(enumName(MenstrualPhase, 'luteal')).toBe('LUTEAL');
  });

  it('unknown codes and names', () => {
    expect(enumName(ActivityType, 2)).toBeUndefined(); // unused code in Terra's list
    expect(enumName(ActivityType, '8')).toBeUndefined(); // codes are numbers on the wire
    expect(enumCode(ActivityType, 'running')).toBeUndefined();
    expect(enumCode(ActivityType, 'toString')).toBeUndefined();
    expect(isEnumCode(SleepLevel, 5)).toBe(true);
    expect(isEnumCode(SleepLevel, 7)).toBe(false);
  });
});
