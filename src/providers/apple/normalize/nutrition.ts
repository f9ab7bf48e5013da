import type { TerraRecord } from '../../../model/data-types.ts';
import { NUTRITION_FIELDS } from '../hk-types.ts';
import type { SampleRow } from '../samples.ts';
import { compact, dayMetadata, round } from './common.ts';

/** Canonical units (kcal, kg, mL) → the unit of the Terra field. */
const FACTOR = { kcal: 1, g: 1000, mg: 1_000_000, mL: 1 } as const;

/**
 * Terra Nutrition for one local date: each dietary sample is a logged item, so values from
 * every source are summed (no precedence). Only top-level samples are counted: the export
 * repeats a food correlation's samples inside it, and those copies are skipped by the parser.
 */
export function normalizeNutrition(date: string, rows: readonly SampleRow[]): TerraRecord | undefined {
  const day = rows.filter((row) => row.type in NUTRITION_FIELDS && row.value !== null);
  if (day.length === 0) return undefined;
  const macros: Record<string, number> = {};
  const micros: Record<string, number> = {};
  let water: number | undefined;
  for (const row of day) {
    const info = NUTRITION_FIELDS[row.type];
    const value = row.value! * FACTOR[info.unit];
    if (info.part === 'water') water = (water ?? 0) + value;
    else if (info.part === 'macros') macros[info.field] = (macros[info.field] ?? 0) + value;
    else micros[info.field] = (micros[info.field] ?? 0) + value;
  }
  const rounded = (values: Record<string, number>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 4)]));
  return {
    metadata: dayMetadata(date, day),
    summary: compact({
      macros: compact(rounded(macros)),
      micros: compact(rounded(micros)),
      water_ml: water === undefined ? undefined : round(water, 3),
    }),
  };
}
