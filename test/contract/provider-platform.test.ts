import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';

/** Store contract: provider notifications and leases (issue 13), on both engines. */
describe.each(ENGINES)('Store contract: provider platform (%s)', (engine) => {
  let t: TestStore;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
  });
  afterEach(async () => {
    await t.close();
  });

  const notification = (dedupeKey: string, body = '{"event_type":"create"}') => ({
    provider: 'OURA',
    dedupeKey,
    contentType: 'application/json',
    headers: { 'x-oura-timestamp': '1700000000' },
    body: Buffer.from(body),
  });

  it('stores a notification verbatim once per dedupe key, and records processing attempts', async () => {
    const first = await t.store.providerNotifications.insert(notification('k1', '{"a":"\u00e9\\u0000"}'));
    expect(first.inserted).toBe(true);
    const again = await t.store.providerNotifications.insert(notification('k1', 'different bytes'));
    expect(again).toEqual({ notificationId: first.notificationId, inserted: false });
    const other = await t.store.providerNotifications.insert({ ...notification('k1'), provider: 'WHOOP' });
    expect(other.inserted).toBe(true);
    const stored = await t.store.providerNotifications.get(first.notificationId);
    expect(stored).toMatchObject({
      provider: 'OURA',
      dedupeKey: 'k1',
      headers: { 'x-oura-timestamp': '1700000000' },
      status: 'pending',
      attempts: 0,
      error: null,
      processedAt: null,
    });
    expect(stored!.body.toString('utf8')).toBe('{"a":"\u00e9\\u0000"}');
    expect((await t.store.providerNotifications.pending(Date.now() + 1000, 10)).length).toBe(2);
    await t.store.providerNotifications.finish(first.notificationId, { status: 'failed', error: 'boom' });
    expect(await t.store.providerNotifications.get(first.notificationId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'boom',
    });
    expect((await t.store.providerNotifications.pending(Date.now() + 1000, 10)).length).toBe(1);
    expect((await t.store.providerNotifications.list({ provider: 'OURA', status: 'failed' })).length).toBe(1);
  });

  it('finds every developer’s user connected to one provider account', async () => {
    const a = (await t.store.developers.create({ name: 'a' })).developer.devId;
    const b = (await t.store.developers.create({ name: 'b' })).developer.devId;
    const ua = await t.store.users.create(a, { provider: 'OURA', providerUserId: 'acct-1', state: 'connected' });
    const ub = await t.store.users.create(b, { provider: 'OURA', providerUserId: 'acct-1', state: 'connected' });
    await t.store.users.create(b, { provider: 'OURA', providerUserId: 'acct-2', state: 'connected' });
    const pending = await t.store.users.create(b, { provider: 'OURA', providerUserId: 'acct-1', state: 'pending' });
    for (const user of [ua, ub])
      await t.store.connections.save(user.devId, { userId: user.userId, provider: 'OURA', credentials: { x: 1 } });
    expect(pending.userId).toBeDefined(); // no connection: not a recipient
    expect(await t.store.providerNotifications.recipients('OURA', 'acct-1')).toEqual([
      { devId: a, userId: ua.userId },
      { devId: b, userId: ub.userId },
    ]);
    expect(await t.store.providerNotifications.recipients('WHOOP', 'acct-1')).toEqual([]);
  });

  it('a lease has one holder until it expires or is released', async () => {
    expect(await t.store.leases.acquire('refresh:u1', 'p1', 1_000, 10_000)).toBe(true);
    expect(await t.store.leases.acquire('refresh:u1', 'p2', 1_000, 10_500)).toBe(false);
    expect(await t.store.leases.acquire('refresh:u1', 'p1', 1_000, 10_600)).toBe(true); // the holder renews
    expect(await t.store.leases.acquire('refresh:u2', 'p2', 1_000, 10_600)).toBe(true);
    expect(await t.store.leases.acquire('refresh:u1', 'p2', 1_000, 11_600)).toBe(true); // expired
    await t.store.leases.release('refresh:u1', 'p1'); // no longer p1's: no effect
    expect(await t.store.leases.acquire('refresh:u1', 'p3', 1_000, 11_700)).toBe(false);
    await t.store.leases.release('refresh:u1', 'p2');
    expect(await t.store.leases.acquire('refresh:u1', 'p3', 1_000, 11_700)).toBe(true);
  });

  it('two concurrent acquisitions of a free lease give it to exactly one', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.store.leases.acquire('race', `p${i}`, 5_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
  it('lists the newest version of each raw payload of a user, paged by raw id (replay)', async () => {
    const devId = (await t.store.developers.create({ name: 'r' })).developer.devId;
    const other = (await t.store.developers.create({ name: 'o' })).developer.devId;
    const user = await t.store.users.create(devId, { provider: 'OURA', state: 'connected' });
    const put = (externalId: string, body: string, dataType = 'sleep', provider = 'OURA') =>
      t.store.raw.put(devId, {
        userId: user.userId,
        provider,
        dataType,
        externalId,
        contentType: 'application/json',
        body,
      });
    const pause = () => new Promise((done) => setTimeout(done, 5));
    await put('a', 'v1');
    await pause();
    const a2 = await put('a', 'v2');
    await pause();
    await put('a', 'v1'); // the same bytes again: stored once, v2 stays the newest received
    const b = await put('b', 'only');
    const c = await put('c', 'workout', 'ifit_workout', 'IFIT');
    await t.store.raw.put(other, {
      userId: user.userId,
      provider: 'OURA',
      dataType: 'sleep',
      externalId: 'a',
      contentType: 'application/json',
      body: 'another developer',
    });
    const latest = await t.store.raw.latest(devId, user.userId, { limit: 10 });
    expect(latest.map((raw) => raw.rawId).sort()).toEqual([a2.rawId, b.rawId, c.rawId].sort());
    expect(latest.find((raw) => raw.externalId === 'a')!.body.toString()).toBe('v2');
    expect(latest.map((raw) => raw.rawId)).toEqual([...latest.map((raw) => raw.rawId)].sort());
    const sleeps = await t.store.raw.latest(devId, user.userId, { dataTypes: ['sleep'], limit: 10 });
    expect(sleeps.map((raw) => raw.externalId).sort()).toEqual(['a', 'b']);
    expect(await t.store.raw.latest(devId, user.userId, { provider: 'IFIT', limit: 10 })).toHaveLength(1);
    expect(await t.store.raw.latest(devId, user.userId, { dataTypes: [], limit: 10 })).toEqual([]);
    const first = await t.store.raw.latest(devId, user.userId, { limit: 2 });
    const rest = await t.store.raw.latest(devId, user.userId, { limit: 2, afterRawId: first.at(-1)!.rawId });
    expect([...first, ...rest].map((raw) => raw.rawId)).toEqual(latest.map((raw) => raw.rawId));
  });

  it('lists the distinct buckets of a user’s Apple samples', async () => {
    const devId = (await t.store.developers.create({ name: 'a' })).developer.devId;
    const user = await t.store.users.create(devId, { provider: 'APPLE', state: 'connected' });
    expect(await t.store.appleSamples.buckets(devId, user.userId)).toEqual([]);
    const row = (uuid: string, bucket: string) => ({
      uuid,
      type: 'HKQuantityTypeIdentifierStepCount',
      sourceName: 'Watch',
      startMs: 1,
      endMs: 2,
      offsetMin: 0,
      bucket,
      value: 1,
      textValue: null,
      priority: 1,
      meta: null,
    });
    await t.store.appleSamples.insert(devId, user.userId, [
      row('1', '2024-01-02'),
      row('2', '2024-01-01'),
      row('3', 'sleep:2024-01-01'),
      row('4', '2024-01-01'),
    ]);
    expect(await t.store.appleSamples.buckets(devId, user.userId)).toEqual([
      '2024-01-01',
      '2024-01-02',
      'sleep:2024-01-01',
    ]);
  });
});
