/**
 * When to try again (pure). `schedule[i]` is the delay in seconds before retry i+1, so a
 * delivery gets 1 + schedule.length attempts. The delay gets ±20 % jitter (so a recovering
 * endpoint is not hit by every retry at once); a Retry-After the endpoint sent is honoured
 * within [delay, the schedule's longest delay].
 */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

export function nextRetry(input: {
  /** Attempts made so far, including the one that just failed (≥ 1). */
  attempts: number;
  scheduleSeconds: readonly number[];
  retryAfterMs?: number;
  random?: () => number;
}): RetryDecision {
  const index = input.attempts - 1;
  const seconds = input.scheduleSeconds[index];
  if (seconds === undefined) return { retry: false };
  const baseMs = seconds * 1000;
  if (input.retryAfterMs !== undefined && input.retryAfterMs > baseMs) {
    const ceiling = Math.max(baseMs, ...input.scheduleSeconds.map((s) => s * 1000));
    return { retry: true, delayMs: Math.min(input.retryAfterMs, ceiling) };
  }
  const jitter = 1 + ((input.random ?? Math.random)() * 0.4 - 0.2);
  return { retry: true, delayMs: Math.max(0, Math.round(baseMs * jitter)) };
}
