import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTributaryError, TributaryError } from '../../src/core/errors.ts';
import { ProviderBudgets } from '../../src/ingest/provider-budget.ts';
import type { ConfiguredProvider } from '../../src/providers/provider.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES, openTestStore, TEST_DATABASE_URL, testBox, type TestStore } from '../helpers/engines.ts';

/** A configured provider as the budget sees it: its name and its application's declared limit. */
const provider = (requests: number, windowSeconds = 3600): ConfiguredProvider => ({
  capabilities: {
    name: 'OURA',
    displayName: 'Oura',
    icon: '',
    dataTypes: ['sleep'],
    auth: 'oauth2',
    sync: 'poll',
    historyDays: null,
    sdkOnly: false,
  },
  rateLimit: { requests, windowSeconds },
});

async function refusal(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (isTributaryError(error) && error.code === 'rate_limited') return error.details;
    throw error;
  }
  throw new Error('expected rate_limited');
}

/** Store contract and the shared budget: provider rate limits (issue 13 item 4), on both engines. */
describe.each(ENGINES)('provider rate-limit budgets (%s)', (engine) => {
  let t: TestStore;
  let second: Store;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    // A second process's connection to the same database.
    second = t.schema
      ? await openStore({ databaseUrl: TEST_DATABASE_URL, schema: t.schema, box: testBox() })
      : await openStore({ sqliteFile: t.sqliteFile!, box: testBox() });
  });
  afterEach(async () => {
    await second.close();
    await t.close();
  });

  it('counts a window up to its total; backfill only up to its own limit; nothing counted past them', async () => {
    const budgets = t.store.providerBudgets;
    const limits = { total: 5, backfill: 2 };
    expect(await budgets.take('OURA', 'backfill', 1000, limits)).toBe(true);
    expect(await budgets.take('OURA', 'backfill', 1000, limits)).toBe(true);
    expect(await budgets.take('OURA', 'backfill', 1000, limits)).toBe(false);
    for (let i = 0; i < 3; i++) expect(await budgets.take('OURA', 'live', 1000, limits)).toBe(true);
    expect(await budgets.take('OURA', 'live', 1000, limits)).toBe(false);
    expect(await budgets.used('OURA', 1000)).toEqual({ live: 3, backfill: 2 });
    // Another window and another provider are counted apart.
    expect(await budgets.take('OURA', 'live', 2000, limits)).toBe(true);
    expect(await budgets.take('WHOOP', 'backfill', 1000, limits)).toBe(true);
    expect(await budgets.take('OURA', 'backfill', 3000, { total: 5, backfill: 0 })).toBe(false);
    await budgets.sweep('OURA', 2000);
    expect(await budgets.used('OURA', 1000)).toEqual({ live: 0, backfill: 0 });
    expect(await budgets.used('OURA', 2000)).toEqual({ live: 1, backfill: 0 });
    expect(await budgets.used('WHOOP', 1000)).toEqual({ live: 0, backfill: 1 });
  });

  it('never counts past the limit when two processes take at once', async () => {
    const limits = { total: 10, backfill: 10 };
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? second : t.store).providerBudgets.take('OURA', i % 3 ? 'live' : 'backfill', 5000, limits),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
    const used = await second.providerBudgets.used('OURA', 5000);
    expect(used.live + used.backfill).toBe(10);
  });

  it('a pause keeps the later time', async () => {
    expect(await t.store.providerBudgets.blockedUntil('OURA')).toBeNull();
    await t.store.providerBudgets.block('OURA', 50_000);
    await second.providerBudgets.block('OURA', 20_000);
    expect(await t.store.providerBudgets.blockedUntil('OURA')).toBe(50_000);
    await second.providerBudgets.block('OURA', 90_000);
    expect(await t.store.providerBudgets.blockedUntil('OURA')).toBe(90_000);
    expect(await t.store.providerBudgets.blockedUntil('WHOOP')).toBeNull();
  });

  it('backfills never starve live polling, and the budget is shared by every process', async () => {
    let now = Date.parse('2026-01-01T00:00:10Z');
    const here = new ProviderBudgets(t.store, { now: () => now });
    const there = new ProviderBudgets(second, { now: () => now });
    const oura = provider(8, 60);
    // Two processes backfill at once: together they get half of the window, then are told to wait.
    const backfills = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? here : there).take(oura, 'backfill')),
    );
    expect(backfills.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    const refused = await refusal(here.take(oura, 'backfill'));
    expect(refused).toMatchObject({ source: 'budget', lane: 'backfill', retry_after_seconds: 50, provider: 'OURA' });
    // Live polling still has the rest of the window.
    for (let i = 0; i < 4; i++) await (i % 2 ? here : there).take(oura, 'live');
    expect(await refusal(there.take(oura, 'live'))).toMatchObject({ source: 'budget', lane: 'live' });
    // The next window starts afresh.
    now += 60_000;
    await here.take(oura, 'backfill');
    await there.take(oura, 'live');
    // A provider without a declared limit is not counted.
    const unlimited = { ...oura, rateLimit: undefined };
    for (let i = 0; i < 20; i++) await here.take(unlimited, 'backfill');
  });

  it('a 429 from the provider pauses every process until its Retry-After, whatever the lane', async () => {
    let now = 1_000_000;
    const here = new ProviderBudgets(t.store, { now: () => now });
    const there = new ProviderBudgets(second, { now: () => now });
    const oura = provider(1000);
    await here.observe(oura, new TributaryError('provider_error', 'Oura answered 500')); // not a rate limit
    await here.take(oura, 'live');
    await here.observe(oura, new TributaryError('rate_limited', 'Oura rate limit hit', { retry_after_seconds: 120 }));
    expect(await refusal(there.take(oura, 'live'))).toMatchObject({ source: 'paused', retry_after_seconds: 120 });
    now += 60_000;
    expect(await refusal(there.take(oura, 'backfill'))).toMatchObject({ source: 'paused', retry_after_seconds: 60 });
    // Our own refusals never extend the pause.
    await there.observe(oura, new TributaryError('rate_limited', 'x', { retry_after_seconds: 999, source: 'paused' }));
    now += 60_000;
    await there.take(oura, 'live');
  });
});
