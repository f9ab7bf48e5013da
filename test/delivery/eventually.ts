import type { Store } from '../../src/store/store.ts';

/** Polls `check` until it returns a value (not undefined/false) or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Resolves once every event of `devId` has been dispatched and none of its deliveries is
 * pending: from then on nothing more is sent for them (a retry needs a pending delivery), so a
 * test can assert what a receiver got without sleeping first.
 */
export async function deliveriesSettled(store: Store, devId: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const events = await store.events.list(devId, { limit: 10_000 });
      if (events.some((event) => !event.dispatched)) return false;
      const { deliveries } = await store.deliveries.list(devId, { status: 'pending', limit: 1 });
      return deliveries.length === 0;
    },
    timeoutMs,
    'every event dispatched and no delivery pending',
  );
}
