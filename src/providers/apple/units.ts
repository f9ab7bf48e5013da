import { TributaryError } from '../../core/errors.ts';

/**
 * Unit and time normalization for HealthKit values. HealthKit unit strings (as they appear
 * in `export.xml` and in `HKUnit.unitString`) are converted to the unit Terra's field names
 * carry: metres, kilocalories, kilograms, seconds, °C, mg/dL, mL.
 */
export type Dimension =
  'length' | 'energy' | 'mass' | 'time' | 'volume' | 'temperature' | 'glucose' | 'fraction' | 'pressure' | 'plain';

const LENGTH_M: Record<string, number> = {
  m: 1,
  km: 1000,
  cm: 0.01,
  mm: 0.001,
  mi: 1609.344,
  ft: 0.3048,
  yd: 0.9144,
  in: 0.0254,
};
// HealthKit's "Cal" is the food Calorie (= kcal); "cal" is the small calorie.
const ENERGY_KCAL: Record<string, number> = { kcal: 1, Cal: 1, cal: 0.001, kJ: 1 / 4.184, J: 1 / 4184 };
const MASS_KG: Record<string, number> = {
  kg: 1,
  g: 0.001,
  mg: 1e-6,
  mcg: 1e-9,
  µg: 1e-9,
  lb: 0.45359237,
  oz: 0.028349523125,
  st: 6.35029318,
};
const TIME_S: Record<string, number> = { s: 1, ms: 0.001, min: 60, hr: 3600, h: 3600, d: 86_400 };
const VOLUME_ML: Record<string, number> = {
  mL: 1,
  ml: 1,
  L: 1000,
  l: 1000,
  dL: 100,
  cL: 10,
  fl_oz_us: 29.5735295625,
  fl_oz_imp: 28.4130625,
  cup_us: 236.5882365,
  cup_imp: 284.130625,
  pt_us: 473.176473,
  pt_imp: 568.26125,
};
/** Glucose molar mass: mmol/L × 18.0156 = mg/dL (HealthKit writes `mmol<180.15588000005408>/L`). */
const GLUCOSE_MG_PER_DL_PER_MMOL_L = 18.015588;

export const CANONICAL_UNIT: Record<Dimension, string> = {
  length: 'm',
  energy: 'kcal',
  mass: 'kg',
  time: 's',
  volume: 'mL',
  temperature: 'degC',
  glucose: 'mg/dL',
  fraction: '%',
  pressure: 'mmHg',
  plain: '',
};

/**
 * `value` in `unit` converted to the dimension's canonical unit. Throws a `bad_request`
 * naming the unit when it is not one of the dimension's (never guesses).
 */
export function toCanonical(value: number, unit: string | undefined, dimension: Dimension, what = 'value'): number {
  const u = (unit ?? '').trim();
  const factor = (table: Record<string, number>) => {
    const f = table[u];
    if (f === undefined) throw unknownUnit(u, dimension, what);
    return value * f;
  };
  switch (dimension) {
    case 'length':
      return factor(LENGTH_M);
    case 'energy':
      return factor(ENERGY_KCAL);
    case 'mass':
      return factor(MASS_KG);
    case 'time':
      return factor(TIME_S);
    case 'volume':
      return factor(VOLUME_ML);
    case 'temperature':
      if (u === 'degC' || u === '°C') return value;
      if (u === 'degF' || u === '°F') return ((value - 32) * 5) / 9;
      if (u === 'K') return value - 273.15;
      throw unknownUnit(u, dimension, what);
    case 'glucose':
      if (u === 'mg/dL') return value;
      if (/^mmol(<[\d.]+>)?\/L$/.test(u)) return value * GLUCOSE_MG_PER_DL_PER_MMOL_L;
      throw unknownUnit(u, dimension, what);
    case 'fraction':
      // HealthKit stores percentages as fractions ("%" unit, value 0.97).
      if (u === '%') return value * 100;
      throw unknownUnit(u, dimension, what);
    case 'pressure':
      if (u === 'mmHg') return value;
      if (u === 'kPa') return value * 7.50061683;
      throw unknownUnit(u, dimension, what);
    case 'plain':
      return value;
  }
}

function unknownUnit(unit: string, dimension: Dimension, what: string): TributaryError {
  return new TributaryError('bad_request', `${what}: unit ${JSON.stringify(unit)} is not a known ${dimension} unit`, {
    parameter: 'unit',
  });
}

/** A point in time with the UTC offset it was recorded in. */
export interface LocalInstant {
  ms: number;
  /** Minutes east of UTC. */
  offsetMin: number;
}

/**
 * Parses the export's `YYYY-MM-DD HH:MM:SS ±HHMM` (local time with offset) and ISO 8601 with
 * an offset (`…T…+02:00`, `Z`). A timestamp without an offset is rejected: HealthKit
 * instants are absolute, and the offset decides which local day a sample belongs to.
 */
export function parseLocalInstant(text: string): LocalInstant | undefined {
  if (text.length === 25 && text.charCodeAt(10) === 32 && text.charCodeAt(19) === 32) {
    const fast = parseExportDate(text);
    if (fast) return fast;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})$/.exec(
    text,
  );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 60)
    return undefined;
  let offsetMin = 0;
  if (tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    if (Math.abs(offsetMin) > 18 * 60) return undefined;
  }
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s ?? 0), millis) - offsetMin * 60_000;
  return { ms, offsetMin };
}

const DIGIT0 = 48;
const digit = (t: string, i: number) => t.charCodeAt(i) - DIGIT0;
const twoDigits = (t: string, i: number) => digit(t, i) * 10 + digit(t, i + 1);

/** Fast path for the export's fixed layout `YYYY-MM-DD HH:MM:SS ±HHMM` (millions of dates per export). */
function parseExportDate(t: string): LocalInstant | undefined {
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58)
    return undefined;
  const signChar = t.charCodeAt(20);
  const sign = signChar === 45 ? -1 : signChar === 43 ? 1 : 0;
  if (sign === 0) return undefined;
  const year = digit(t, 0) * 1000 + digit(t, 1) * 100 + twoDigits(t, 2);
  const month = twoDigits(t, 5);
  const day = twoDigits(t, 8);
  const hour = twoDigits(t, 11);
  const minute = twoDigits(t, 14);
  const second = twoDigits(t, 17);
  const offsetMin = sign * (twoDigits(t, 21) * 60 + twoDigits(t, 23));
  // NaN (a non-digit) fails every comparison below.
  if (!(
    year >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 31 &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 60 &&
    Math.abs(offsetMin) <= 18 * 60
  ))
    return undefined;
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000, offsetMin };
}

/** ISO 8601 in the given offset with Terra's microsecond precision: `2024-01-01T01:01:36.000000+02:00`. */
export function formatLocal(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000);
  const iso = local.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ in the shifted clock
  return `${iso.slice(0, 23)}000${formatOffset(offsetMin)}`;
}

export function formatOffset(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The local calendar date (YYYY-MM-DD) of an instant in its own offset. */
export function localDate(ms: number, offsetMin: number): string {
  const dayNumber = Math.floor((ms + offsetMin * 60_000) / 86_400_000);
  let date = DATE_CACHE.get(dayNumber);
  if (date === undefined) {
    if (DATE_CACHE.size > 100_000) DATE_CACHE.clear();
    date = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
    DATE_CACHE.set(dayNumber, date);
  }
  return date;
}
const DATE_CACHE = new Map<number, string>();

/** Local midnight of `date` in `offsetMin`, as epoch ms. */
export function localMidnightMs(date: string, offsetMin: number): number {
  return Date.parse(`${date}T00:00:00Z`) - offsetMin * 60_000;
}

/** The date before/after a YYYY-MM-DD date. */
export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
