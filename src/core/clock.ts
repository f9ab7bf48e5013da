let last = 0;

/**
 * A strictly increasing number per process (microseconds since the epoch, bumped on ties),
 * for ordering rows created within the same millisecond.
 */
export function monotonicMicros(): number {
  const now = Date.now() * 1000;
  last = now > last ? now : last + 1;
  return last;
}
