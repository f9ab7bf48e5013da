/**
 * Minimum and maximum of a list with a loop: `Math.min(...values)` passes every value as an
 * argument and throws a RangeError (a 500) past ~120k values, the size of a long recording.
 */
export function minOf(values: readonly number[]): number {
  let min = Infinity;
  for (const value of values) if (value < min) min = value;
  return min;
}

export function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  return max;
}
