import type { TerraRecord } from '../../../model/data-types.ts';
import { MENSTRUAL_FLOW_TYPE } from '../hk-types.ts';
import type { SampleRow } from '../samples.ts';
import { compact, dayMetadata, timestamp } from './common.ts';

/** HealthKit flow → Terra MenstruationFlow (0 unknown, 1 none, 2 light, 3 medium, 4 heavy, 5 had flow). */
const FLOW: Readonly<Record<string, number>> = {
  HKCategoryValueMenstrualFlowUnspecified: 5,
  HKCategoryValueMenstrualFlowLight: 2,
  HKCategoryValueMenstrualFlowMedium: 3,
  HKCategoryValueMenstrualFlowHeavy: 4,
  HKCategoryValueMenstrualFlowNone: 1,
};

/**
 * Terra Menstruation for one local date from menstrual-flow samples. A sample with
 * `HKMenstrualCycleStart = 1` marks the first day of a period (`period_start_date`).
 */
export function normalizeMenstruation(date: string, rows: readonly SampleRow[]): TerraRecord | undefined {
  const flows = rows
    .filter((row) => row.type === MENSTRUAL_FLOW_TYPE && row.textValue !== null)
    .sort((a, b) => a.startMs - b.startMs);
  if (flows.length === 0) return undefined;
  const cycleStart = flows.some((row) => Number(row.meta?.HKMenstrualCycleStart) === 1);
  const bleeding = flows.some((row) => (FLOW[row.textValue!] ?? 0) >= 2);
  return {
    metadata: dayMetadata(date, flows),
    menstruation_data: compact({
      menstruation_flow: flows.map((row) => ({ timestamp: timestamp(row), flow: FLOW[row.textValue!] ?? 0 })),
      period_start_date: cycleStart ? date : undefined,
      current_phase: bleeding ? 'menstrual' : undefined,
    }),
  };
}
