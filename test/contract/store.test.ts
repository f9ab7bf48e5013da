import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, testBox, type TestStore } from '../helpers/engines.ts';
import { openStore } from '../../src/store/index.ts';
import type { AppleSampleRow, AuthSession } from '../../src/store/index.ts';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { hashApiKey } from '../../src/core/crypto.ts';
import { migrate } from '../../src/store/sql/db.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';

const activity = (id: string, start: string, extra: Record<string, unknown> = {}) => ({
  metadata: {
    summary_id: id,
    start_time: start,
    end_time: start.replace('T08', 'T09'),
    type: 8,
    upload_type: 1,
    name: 'Run',
  },
  heart_rate_data: { summary: { avg_hr_bpm: 140 }, detailed: { hr_samples: [{ timestamp: start, bpm: 120 }] } },
  ...extra,
});

describe.each(ENGINES)('Store contract (%s)', (engine) => {
  let t: TestStore;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates developers with hashed API keys and authenticates them', async () => {
    const { developer, apiKey } = await t.store.developers.create({ name: 'Acme' });
    expect(await t.store.developers.authenticate(developer.devId, apiKey)).toMatchObject({
      devId: developer.devId,
      name: 'Acme',
    });
    expect(await t.store.developers.authenticate(developer.devId, apiKey + 'x')).toBeUndefined();
    const row = await (
      await t.sql()
    ).get<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE dev_id = ?', [developer.devId]);
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.key_hash).not.toContain(apiKey);
    expect((await t.store.developers.list()).map((d) => d.devId)).toEqual([developer.devId]);
  });

  it('keeps several named API keys per developer: rotate, revoke at once, never the last one', async () => {
    const { developer, apiKey: first } = await t.store.developers.create({ name: 'Acme' });
    const other = await t.store.developers.create({ name: 'Other' });
    const [initial] = await t.store.apiKeys.list(developer.devId);
    expect(initial).toMatchObject({ name: 'default', hint: first.slice(-4), lastUsedAt: null, rotatedAt: null });

    const ci = await t.store.apiKeys.create(developer.devId, { name: 'CI' });
    expect((await t.store.apiKeys.list(developer.devId)).map((k) => k.name)).toEqual(['default', 'CI']);
    expect(await t.store.apiKeys.authenticate(developer.devId, ci.secret)).toMatchObject({
      developer: { devId: developer.devId, name: 'Acme' },
      key: { keyId: ci.key.keyId },
    });
    // A key is the developer's own: the right secret under another dev-id is refused.
    expect(await t.store.apiKeys.authenticate(other.developer.devId, ci.secret)).toBeUndefined();
    expect(await t.store.apiKeys.get(other.developer.devId, ci.key.keyId)).toBeUndefined();
    expect(await t.store.apiKeys.revoke(other.developer.devId, ci.key.keyId)).toBe('not_found');

    // Last use is recorded, at most once a minute.
    const now = Date.now() + 3_600_000;
    await t.store.apiKeys.authenticate(developer.devId, ci.secret, now);
    await t.store.apiKeys.authenticate(developer.devId, ci.secret, now + 30_000);
    expect((await t.store.apiKeys.get(developer.devId, ci.key.keyId))?.lastUsedAt).toBe(new Date(now).toISOString());
    await t.store.apiKeys.authenticate(developer.devId, ci.secret, now + 61_000);
    expect((await t.store.apiKeys.get(developer.devId, ci.key.keyId))?.lastUsedAt).toBe(
      new Date(now + 61_000).toISOString(),
    );

    const rotated = await t.store.apiKeys.rotate(developer.devId, ci.key.keyId);
    expect(rotated?.secret).not.toBe(ci.secret);
    expect(rotated?.key.rotatedAt).toEqual(expect.any(String));
    expect(await t.store.apiKeys.authenticate(developer.devId, ci.secret)).toBeUndefined();
    expect(await t.store.apiKeys.authenticate(developer.devId, rotated!.secret)).toBeDefined();
    expect(await t.store.apiKeys.rotate(developer.devId, 'key_unknown')).toBeUndefined();

    expect(await t.store.apiKeys.revoke(developer.devId, initial!.keyId)).toBe('revoked');
    expect(await t.store.developers.authenticate(developer.devId, first)).toBeUndefined();
    expect(await t.store.apiKeys.revoke(developer.devId, ci.key.keyId)).toBe('last');
    expect(await t.store.apiKeys.authenticate(developer.devId, rotated!.secret)).toBeDefined();
  });

  it('never revokes both of the last two keys when two revocations race', async () => {
    const { developer } = await t.store.developers.create({ name: 'Acme' });
    await t.store.apiKeys.create(developer.devId, { name: 'second' });
    const ids = (await t.store.apiKeys.list(developer.devId)).map((k) => k.keyId);
    const outcomes = await Promise.all(ids.map((id) => t.store.apiKeys.revoke(developer.devId, id)));
    expect(outcomes.sort()).toEqual(['last', 'revoked']);
    expect(await t.store.apiKeys.list(developer.devId)).toHaveLength(1);
  });

  it('moves a developer key from before named keys into api_keys, still valid', async () => {
    const db = await t.sql();
    await db.run('DROP TABLE api_keys');
    await db.run('DELETE FROM schema_migrations WHERE id = 150');
    await db.run(
      'INSERT INTO developers (dev_id, name, api_key_hash, enabled_providers, created_at) VALUES (?, ?, ?, NULL, ?)',
      ['dev_legacy', 'Legacy', hashApiKey('legacy-secret'), '2025-01-01T00:00:00.000Z'],
    );
    expect(await migrate(db, MIGRATIONS)).toEqual([150]);
    expect(await t.store.developers.authenticate('dev_legacy', 'legacy-secret')).toMatchObject({ name: 'Legacy' });
    expect(await t.store.apiKeys.list('dev_legacy')).toMatchObject([{ name: 'default', hint: null }]);
    const legacy = await db.get<{ api_key_hash: string }>('SELECT api_key_hash FROM developers WHERE dev_id = ?', [
      'dev_legacy',
    ]);
    expect(legacy?.api_key_hash).toBe('');
  });

  it('scopes users to their developer', async () => {
    const a = (await t.store.developers.create({ name: 'A' })).developer;
    const b = (await t.store.developers.create({ name: 'B' })).developer;
    const user = await t.store.users.create(a.devId, { provider: 'IFIT', referenceId: 'ref-1' });
    expect(await t.store.users.get(a.devId, user.userId)).toMatchObject({
      userId: user.userId,
      referenceId: 'ref-1',
      active: true,
      state: 'pending',
    });
    expect(await t.store.users.get(b.devId, user.userId)).toBeUndefined();
    expect(await t.store.users.byReferenceId(b.devId, 'ref-1')).toEqual([]);
    expect((await t.store.users.list(a.devId)).total).toBe(1);
    expect((await t.store.users.list(b.devId)).total).toBe(0);
    expect(await t.store.users.update(a.devId, user.userId, { active: false, referenceId: 'ref-2' })).toMatchObject({
      active: false,
      referenceId: 'ref-2',
    });
  });

  it('pages users in creation order', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    for (let i = 0; i < 5; i++) await t.store.users.create(dev.devId, { provider: 'UPLOAD', referenceId: `r${i}` });
    const page0 = await t.store.users.list(dev.devId, { page: 0, perPage: 2 });
    const page2 = await t.store.users.list(dev.devId, { page: 2, perPage: 2 });
    expect(page0.total).toBe(5);
    expect(page0.users.map((u) => u.referenceId)).toEqual(['r0', 'r1']);
    expect(page2.users.map((u) => u.referenceId)).toEqual(['r4']);
  });

  it('lists users with their sync state for connection health and claims a stale notice once', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const other = (await t.store.developers.create({ name: 'B' })).developer;
    const polled = await t.store.users.create(dev.devId, { provider: 'IFIT', state: 'connected' });
    const bare = await t.store.users.create(dev.devId, { provider: 'UPLOAD', state: 'connected' });
    await t.store.connections.save(dev.devId, {
      userId: polled.userId,
      provider: 'IFIT',
      credentials: { token: 'sealed-secret' },
      syncState: { failures: 2, lastError: 'boom' },
    });
    const rows = await t.store.connectionHealth.list(dev.devId);
    expect(rows.map((r) => r.user.userId)).toEqual([polled.userId, bare.userId]);
    expect(rows[0]?.connection).toMatchObject({ status: 'active', syncState: { failures: 2, lastError: 'boom' } });
    expect(JSON.stringify(rows)).not.toContain('sealed-secret');
    expect(rows[1]?.connection).toBeNull();
    expect(await t.store.connectionHealth.list(other.devId)).toEqual([]);
    expect(await t.store.connectionHealth.list(dev.devId, { userId: bare.userId })).toHaveLength(1);
    expect((await t.store.connectionHealth.list(dev.devId, { provider: 'UPLOAD' })).map((r) => r.user.userId)).toEqual([
      bare.userId,
    ]);
  });

  it('filters connection-health rows by user id or part of a reference id, provider and state', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const other = (await t.store.developers.create({ name: 'B' })).developer;
    const alice = await t.store.users.create(dev.devId, {
      provider: 'IFIT',
      referenceId: 'Alice_1',
      state: 'connected',
    });
    await t.store.users.create(dev.devId, { provider: 'APPLE', referenceId: 'alice-2', state: 'pending' });
    await t.store.users.create(dev.devId, { provider: 'IFIT', referenceId: 'bob%', state: 'connected' });
    await t.store.users.create(other.devId, { provider: 'IFIT', referenceId: 'alice-3', state: 'connected' });
    const refs = async (filter: Parameters<typeof t.store.connectionHealth.list>[1]) =>
      (await t.store.connectionHealth.list(dev.devId, filter)).map((r) => r.user.referenceId);
    expect(await refs({ query: 'ALICE' })).toEqual(['Alice_1', 'alice-2']);
    expect(await refs({ query: alice.userId })).toEqual(['Alice_1']);
    // LIKE wildcards in the query are literal characters.
    expect(await refs({ query: '%' })).toEqual(['bob%']);
    expect(await refs({ query: 'e_' })).toEqual(['Alice_1']);
    expect(await refs({ provider: 'IFIT', state: 'connected' })).toEqual(['Alice_1', 'bob%']);
    expect(await refs({ state: 'pending' })).toEqual(['alice-2']);
  });

  it('claims a stale notice once per stale period', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const other = (await t.store.developers.create({ name: 'B' })).developer;
    const polled = await t.store.users.create(dev.devId, { provider: 'IFIT', state: 'connected' });
    const bare = await t.store.users.create(dev.devId, { provider: 'UPLOAD', state: 'connected' });

    const notice = { reason: 'no_data', notifiedAt: '2026-01-01T00:00:00.000Z' };
    expect(await t.store.connectionHealth.claimStaleNotice(dev.devId, polled.userId, notice)).toBe(true);
    expect(await t.store.connectionHealth.claimStaleNotice(dev.devId, polled.userId, notice)).toBe(false);
    expect(await t.store.connectionHealth.claimStaleNotice(other.devId, bare.userId, notice)).toBe(false);
    expect((await t.store.connectionHealth.list(dev.devId))[0]?.staleNotice).toEqual(notice);
    await t.store.connectionHealth.clearStaleNotice(dev.devId, polled.userId);
    expect((await t.store.connectionHealth.list(dev.devId))[0]?.staleNotice).toBeNull();
  });

  it('encrypts connection credentials at rest', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'IFIT' });
    await t.store.connections.save(dev.devId, {
      userId: user.userId,
      provider: 'IFIT',
      credentials: { access_token: 'secret-token-123' },
      nextSyncAt: 0,
    });
    const raw = await (
      await t.sql()
    ).get<{ credentials_sealed: string }>('SELECT credentials_sealed FROM connections WHERE user_id = ?', [
      user.userId,
    ]);
    expect(raw?.credentials_sealed).toMatch(/^v1\./);
    expect(raw?.credentials_sealed).not.toContain('secret-token-123');
    expect((await t.store.connections.get(dev.devId, user.userId))?.credentials).toEqual({
      access_token: 'secret-token-123',
    });
    const claimed = await t.store.connections.claimDue(Date.now(), 10, 60_000);
    expect(claimed.map((c) => c.userId)).toEqual([user.userId]);
    expect(await t.store.connections.claimDue(Date.now(), 10, 60_000)).toEqual([]);
  });

  it('renews a sync lease only while it is still the one held (issue 10 item 10a)', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'IFIT', state: 'connected' });
    await t.store.connections.save(dev.devId, {
      userId: user.userId,
      provider: 'IFIT',
      credentials: null,
      nextSyncAt: 0,
    });
    expect(await t.store.connections.claimDue(1_000, 10, 30_000)).toHaveLength(1);
    // Renewed before it expires: still held past the first lease's end.
    expect(await t.store.connections.renewLease(dev.devId, user.userId, 31_000, 50_000)).toBe(true);
    expect(await t.store.connections.claimDue(40_000, 10, 30_000)).toEqual([]);
    // Not renewed: free once it expires; the old holder can no longer renew it.
    expect(await t.store.connections.claimDue(50_001, 10, 30_000)).toHaveLength(1);
    expect(await t.store.connections.renewLease(dev.devId, user.userId, 50_000, 90_000)).toBe(false);
    await t.store.connections.release(dev.devId, user.userId);
    expect(await t.store.connections.renewLease(dev.devId, user.userId, 80_001, 90_000)).toBe(false);
  });

  it('upserts records by natural key and reads ranges with and without samples', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'UPLOAD' });
    const first = await storeRecords(t.store, {
      user,
      type: 'activity',
      raw: {
        provider: 'UPLOAD',
        dataType: 'activity',
        externalId: 'log-1',
        contentType: 'application/json',
        body: '{"id":"log-1"}',
      },
      records: [activity('a1', '2026-01-02T08:00:00.000000+01:00')],
    });
    expect(first.eventId).not.toBeNull();
    const again = await storeRecords(t.store, {
      user,
      type: 'activity',
      raw: {
        provider: 'UPLOAD',
        dataType: 'activity',
        externalId: 'log-1',
        contentType: 'application/json',
        body: '{"id":"log-1"}',
      },
      records: [activity('a1', '2026-01-02T08:00:00.000000+01:00')],
    });
    expect(again.eventId).toBeNull();
    expect(again.rawId).toBe(first.rawId);
    await storeRecords(t.store, {
      user,
      type: 'activity',
      records: [activity('a1', '2026-01-02T08:00:00.000000+01:00', { device_data: { name: 'Watch' } })],
    });
    expect(await t.store.records.count(dev.devId, user.userId, 'activity')).toBe(1);
    await storeRecords(t.store, {
      user,
      type: 'activity',
      records: [activity('a2', '2026-03-02T08:00:00.000000+00:00')],
    });

    const jan = await t.store.records.listJson(dev.devId, user.userId, 'activity', {
      startMs: Date.UTC(2026, 0, 1),
      endMs: Date.UTC(2026, 1, 1),
      withSamples: false,
    });
    expect(jan.map((j) => JSON.parse(j))).toEqual([
      {
        ...activity('a1', '2026-01-02T08:00:00.000000+01:00', { device_data: { name: 'Watch' } }),
        heart_rate_data: { summary: { avg_hr_bpm: 140 }, detailed: {} },
      },
    ]);
    const withSamples = await t.store.records.listJson(dev.devId, user.userId, 'activity', {
      startMs: 0,
      endMs: Date.UTC(2027, 0, 1),
      withSamples: true,
    });
    expect(withSamples).toHaveLength(2);
    expect(JSON.parse(withSamples[0]!).heart_rate_data.detailed.hr_samples).toHaveLength(1);

    const events = await t.store.events.list(dev.devId, { userId: user.userId });
    expect(events.map((e) => e.type)).toEqual(['activity', 'activity', 'activity']);
    expect(events[0]!.payload).toMatchObject({
      type: 'activity',
      user: { user_id: user.userId },
      version: '2022-03-16',
    });
    const raw = await t.store.raw.get(dev.devId, first.rawId!);
    expect(raw?.body.toString('utf8')).toBe('{"id":"log-1"}');
  });

  it('keys daily records by the date part of start_time, without converting time zones', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'APPLE' });
    const daily = (steps: number) => ({
      metadata: {
        start_time: '2026-05-01T00:00:00.000000-07:00',
        end_time: '2026-05-02T00:00:00.000000-07:00',
        upload_type: 1,
      },
      distance_data: { steps },
    });
    await storeRecords(t.store, { user, type: 'daily', records: [daily(100)] });
    const result = await storeRecords(t.store, { user, type: 'daily', records: [daily(250)] });
    expect(result.keys).toEqual(['2026-05-01']);
    expect(await t.store.records.get(dev.devId, user.userId, 'daily', '2026-05-01')).toMatchObject({
      distance_data: { steps: 250 },
    });
    expect(await t.store.records.count(dev.devId, user.userId)).toBe(1);
  });

  it('lists events in insertion order, also within one millisecond', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push((await t.store.events.insert(dev.devId, { type: 'healthcheck', payload: { n: i } })).eventId);
    expect((await t.store.events.list(dev.devId)).map((e) => e.eventId)).toEqual(ids);
    expect((await t.store.events.undispatched(100)).map((e) => e.eventId)).toEqual(ids);
  });

  it('rolls back the data when the transaction fails', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'UPLOAD' });
    await expect(
      t.store.transaction(async (tx) => {
        await tx.records.upsert(dev.devId, user.userId, 'activity', activity('x1', '2026-01-02T08:00:00Z'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.store.records.count(dev.devId, user.userId)).toBe(0);
  });

  it('deletes a user with everything that belongs to them', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'UPLOAD' });
    await storeRecords(t.store, { user, type: 'activity', records: [activity('a1', '2026-01-02T08:00:00Z')] });
    expect(await t.store.users.delete(dev.devId, user.userId)).toBe(true);
    expect(await t.store.records.count(dev.devId, user.userId)).toBe(0);
    expect(await t.store.users.delete(dev.devId, user.userId)).toBe(false);
  });

  it('deletes a user with its events, their deliveries, attempts and chunks, and its data requests (issue 10 item 5)', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'UPLOAD' });
    const kept = await t.store.users.create(dev.devId, { provider: 'UPLOAD' });
    const destination = await t.store.destinations.create(dev.devId, {
      type: 'webhook',
      config: { url: 'https://example.test/hook' },
      secrets: {},
      deliveryMode: 'push',
      eventTypes: null,
      format: 'json',
    });
    const seed = async (userId: string) => {
      const events = [
        await t.store.events.insert(dev.devId, { type: 'activity', userId, payload: { data: [1] } }),
        await t.store.events.insert(dev.devId, { type: 'activity', userId, reference: `ref-${userId}`, payload: {} }),
      ];
      await t.store.deliveries.setChunk(dev.devId, events[1]!.eventId, `ref-${userId}`, 0);
      const deliveries = await t.store.deliveries.create(
        dev.devId,
        events.map((e) => ({
          destinationId: destination.destinationId,
          eventId: e.eventId,
          eventType: e.type,
          traceId: e.eventId,
        })),
      );
      // One delivered (with an attempt in the log), one still pending.
      const claimed = await t.store.deliveries.claim(dev.devId, deliveries[0]!.deliveryId, Date.now(), 60_000);
      await t.store.deliveries.recordAttempt(
        claimed!,
        { startedAt: Date.now(), durationMs: 3, statusCode: 200, error: null },
        { status: 'delivered' },
      );
      await t.store.dataRequests.create(dev.devId, {
        reference: `ref-${userId}`,
        userId,
        dataType: 'activity',
        startMs: null,
        endMs: null,
        withSamples: false,
      });
      return { events, deliveries };
    };
    const gone = await seed(user.userId);
    const stays = await seed(kept.userId);
    await t.store.deliveries.admit(dev.devId, destination.destinationId, 8, Date.now());

    await expect(
      t.store.transaction(async (tx) => {
        await tx.users.delete(dev.devId, user.userId);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.store.events.get(dev.devId, gone.events[0]!.eventId)).toBeDefined();

    await t.store.transaction(async (tx) => {
      expect(await tx.users.delete(dev.devId, user.userId)).toBe(true);
      // A notice written after the deletion, in the same transaction, remains.
      await tx.events.insert(dev.devId, { type: 'deauth', userId: user.userId, payload: {} });
    });
    const left = await t.store.events.list(dev.devId, { userId: user.userId });
    expect(left.map((e) => e.type)).toEqual(['deauth']);
    for (const event of gone.events) {
      expect(await t.store.events.get(dev.devId, event.eventId)).toBeUndefined();
      expect(await t.store.deliveries.chunkOf(dev.devId, event.eventId)).toBeUndefined();
    }
    for (const delivery of gone.deliveries) {
      expect(await t.store.deliveries.get(dev.devId, delivery.deliveryId)).toBeUndefined();
      expect(await t.store.deliveries.attempts(dev.devId, delivery.deliveryId)).toEqual([]);
    }
    expect(await t.store.deliveries.overdue(Date.now() + 3_600_000, 0, 100)).toEqual([
      expect.objectContaining({ deliveryId: stays.deliveries[1]!.deliveryId }),
    ]);
    expect(await t.store.dataRequests.get(dev.devId, `ref-${user.userId}`)).toBeUndefined();
    const db = await t.sql();
    expect(
      await db.all('SELECT delivery_id FROM delivery_attempts WHERE delivery_id = ?', [gone.deliveries[0]!.deliveryId]),
    ).toEqual([]);

    // The other user's events, deliveries, attempts, chunks and data requests are untouched.
    expect((await t.store.events.list(dev.devId, { userId: kept.userId })).length).toBe(2);
    expect(await t.store.deliveries.attempts(dev.devId, stays.deliveries[0]!.deliveryId)).toHaveLength(1);
    expect(await t.store.deliveries.chunkOf(dev.devId, stays.events[1]!.eventId)).toBe(0);
    expect(await t.store.dataRequests.get(dev.devId, `ref-${kept.userId}`)).toBeDefined();
  });
});

describe.each(ENGINES)('Store contract: destinations, deliveries, jobs (%s)', (engine) => {
  let t: TestStore;
  let devId: string;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    devId = (await t.store.developers.create({ name: 'A' })).developer.devId;
  });
  afterEach(async () => {
    await t.close();
  });

  const newDestination = (extra: Record<string, unknown> = {}) =>
    t.store.destinations.create(devId, {
      type: 'webhook',
      config: { url: 'https://example.test/hook', ...extra },
      secrets: { signing_secret: 'whsec-top-secret' },
      deliveryMode: 'push',
      eventTypes: null,
      format: 'json',
    });

  const newEvent = async () => (await t.store.events.insert(devId, { type: 'healthcheck', payload: {} })).eventId;

  it('keeps destinations per developer, secrets sealed at rest', async () => {
    const other = (await t.store.developers.create({ name: 'B' })).developer.devId;
    const created = await newDestination();
    expect(created).toMatchObject({
      devId,
      type: 'webhook',
      config: { url: 'https://example.test/hook' },
      secrets: { signing_secret: 'whsec-top-secret' },
      enabled: true,
      failingSince: null,
    });
    const row = await (
      await t.sql()
    ).get<{ secrets_sealed: string }>('SELECT secrets_sealed FROM destinations WHERE destination_id = ?', [
      created.destinationId,
    ]);
    expect(row?.secrets_sealed).not.toContain('whsec-top-secret');
    expect(await t.store.destinations.get(other, created.destinationId)).toBeUndefined();
    expect(await t.store.destinations.list(other)).toEqual([]);
    expect(await t.store.destinations.delete(other, created.destinationId)).toBe(false);
    const second = await newDestination();
    expect((await t.store.destinations.list(devId)).map((d) => d.destinationId)).toEqual([
      created.destinationId,
      second.destinationId,
    ]);
    expect(
      await t.store.destinations.update(devId, created.destinationId, { eventTypes: ['sleep'], format: 'fhir' }),
    ).toMatchObject({ eventTypes: ['sleep'], format: 'fhir', secrets: { signing_secret: 'whsec-top-secret' } });
    expect(await t.store.destinations.delete(devId, created.destinationId)).toBe(true);
    expect(await t.store.destinations.get(devId, created.destinationId)).toBeUndefined();
  });

  it('disables a destination that kept failing, and re-enabling starts a fresh window', async () => {
    const { destinationId } = await newDestination();
    expect(await t.store.destinations.markFailing(devId, destinationId, 1_000_000, 60_000)).toBe(false);
    // The streak started at 1 000 000; a later failure within the window keeps it enabled.
    expect(await t.store.destinations.markFailing(devId, destinationId, 1_030_000, 60_000)).toBe(false);
    expect(await t.store.destinations.get(devId, destinationId)).toMatchObject({
      enabled: true,
      failingSince: 1_000_000,
    });
    expect(await t.store.destinations.markFailing(devId, destinationId, 1_060_000, 60_000)).toBe(true);
    const disabled = await t.store.destinations.get(devId, destinationId);
    expect(disabled).toMatchObject({ enabled: false });
    expect(disabled?.statusNotice).toMatch(/^disabled at .*every delivery failed for more than 60 s/);
    expect(await t.store.destinations.update(devId, destinationId, { enabled: true })).toMatchObject({
      enabled: true,
      statusNotice: null,
      failingSince: null,
    });
    await t.store.destinations.markFailing(devId, destinationId, 2_000_000, 60_000);
    await t.store.destinations.markHealthy(devId, destinationId);
    expect((await t.store.destinations.get(devId, destinationId))?.failingSince).toBeNull();
  });

  it('creates one delivery per event and destination, and pages the log newest first', async () => {
    const { destinationId } = await newDestination();
    const events = [await newEvent(), await newEvent(), await newEvent()];
    const input = events.map((eventId) => ({ destinationId, eventId, eventType: 'healthcheck', traceId: eventId }));
    const created = await t.store.deliveries.create(devId, input, 5_000);
    expect(created.map((d) => d.eventId)).toEqual(events);
    expect(created[0]).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: 5_000, devId });
    // Created again: the same rows, not new ones.
    expect((await t.store.deliveries.create(devId, input)).map((d) => d.deliveryId)).toEqual(
      created.map((d) => d.deliveryId),
    );
    const first = await t.store.deliveries.list(devId, { limit: 2 });
    expect(first.deliveries.map((d) => d.eventId)).toEqual([events[2], events[1]]);
    const rest = await t.store.deliveries.list(devId, { limit: 2, cursor: first.nextCursor! });
    expect(rest).toEqual({ deliveries: [expect.objectContaining({ eventId: events[0] })], nextCursor: null });
    expect((await t.store.deliveries.list(devId, { limit: 10, eventId: events[1] })).deliveries).toHaveLength(1);
    expect((await t.store.deliveries.list(devId, { limit: 10, status: 'failed' })).deliveries).toEqual([]);
    await expect(t.store.deliveries.list(devId, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      message: expect.stringContaining('cursor'),
    });
    const other = (await t.store.developers.create({ name: 'B' })).developer.devId;
    expect(await t.store.deliveries.get(other, created[0]!.deliveryId)).toBeUndefined();
    expect((await t.store.deliveries.list(other, { limit: 10 })).deliveries).toEqual([]);
  });

  it('leases a delivery to one worker and logs each attempt', async () => {
    const { destinationId } = await newDestination();
    const eventId = await newEvent();
    const [delivery] = await t.store.deliveries.create(
      devId,
      [{ destinationId, eventId, eventType: 'healthcheck', traceId: 't' }],
      1_000,
    );
    const id = delivery!.deliveryId;
    // New deliveries are parked until admitted into the queue (the sweep only re-enqueues queued ones).
    expect(await t.store.deliveries.overdue(20_000, 0, 10)).toEqual([]);
    expect((await t.store.deliveries.admit(devId, destinationId, 8, 1_000)).map((d) => d.deliveryId)).toEqual([id]);
    const claimed = await t.store.deliveries.claim(devId, id, 1_000, 10_000);
    expect(claimed?.deliveryId).toBe(id);
    expect(await t.store.deliveries.claim(devId, id, 2_000, 10_000)).toBeUndefined();
    expect(await t.store.deliveries.overdue(20_000, 0, 10)).toEqual([expect.objectContaining({ deliveryId: id })]);
    await t.store.deliveries.recordAttempt(
      claimed!,
      { startedAt: 1_000, durationMs: 12.4, statusCode: 503, error: 'HTTP 503' },
      { status: 'pending', nextAttemptAt: 30_000 },
    );
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
      nextAttemptAt: 30_000,
    });
    expect(await t.store.deliveries.overdue(20_000, 0, 10)).toEqual([]);
    const again = await t.store.deliveries.claim(devId, id, 30_000, 10_000);
    await t.store.deliveries.recordAttempt(
      again!,
      { startedAt: 30_000, durationMs: 5, statusCode: 200, error: null },
      { status: 'delivered' },
    );
    expect(await t.store.deliveries.attempts(devId, id)).toEqual([
      { attempt: 1, startedAt: new Date(1_000).toISOString(), durationMs: 12, statusCode: 503, error: 'HTTP 503' },
      { attempt: 2, startedAt: new Date(30_000).toISOString(), durationMs: 5, statusCode: 200, error: null },
    ]);
    const done = await t.store.deliveries.get(devId, id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, nextAttemptAt: null });
    expect(done?.deliveredAt).not.toBeNull();
    expect(await t.store.deliveries.claim(devId, id, 60_000, 10_000)).toBeUndefined();
    expect(await t.store.deliveries.countDeliveredSince(devId, destinationId, 0)).toBe(1);
    expect(await t.store.deliveries.countDeliveredSince(devId, destinationId, 2_000)).toBe(0);
    expect(await t.store.deliveries.redeliver(devId, id, 70_000)).toMatchObject({
      status: 'pending',
      nextAttemptAt: 70_000,
      deliveredAt: null,
    });
    await t.store.deliveries.abandon((await t.store.deliveries.get(devId, id))!, 'destination deleted');
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({
      status: 'failed',
      lastError: 'destination deleted',
      nextAttemptAt: null,
    });
  });

  it('admits parked deliveries into the queue up to a cap per destination, oldest first (issue 10 item 6)', async () => {
    const a = await newDestination();
    const b = await newDestination();
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await newEvent());
    const forA = await t.store.deliveries.create(
      devId,
      events.map((eventId) => ({
        destinationId: a.destinationId,
        eventId,
        eventType: 'healthcheck',
        traceId: eventId,
      })),
      1_000,
    );
    const [forB] = await t.store.deliveries.create(
      devId,
      [{ destinationId: b.destinationId, eventId: events[0]!, eventType: 'healthcheck', traceId: 'b' }],
      1_000,
    );
    expect(await t.store.deliveries.parkedDestinations(10)).toHaveLength(2);
    const first = await t.store.deliveries.admit(devId, a.destinationId, 2, 2_000);
    expect(first.map((d) => d.deliveryId)).toEqual(forA.slice(0, 2).map((d) => d.deliveryId));
    // At the cap: nothing more until one leaves the queue.
    expect(await t.store.deliveries.admit(devId, a.destinationId, 2, 2_000)).toEqual([]);
    // Another destination has its own cap.
    expect((await t.store.deliveries.admit(devId, b.destinationId, 2, 2_000)).map((d) => d.deliveryId)).toEqual([
      forB!.deliveryId,
    ]);
    // Another developer cannot admit this developer's deliveries.
    const other = (await t.store.developers.create({ name: 'B' })).developer.devId;
    expect(await t.store.deliveries.admit(other, a.destinationId, 8, 2_000)).toEqual([]);
    const claimed = await t.store.deliveries.claim(devId, first[0]!.deliveryId, 3_000, 10_000);
    await t.store.deliveries.recordAttempt(
      claimed!,
      { startedAt: 3_000, durationMs: 1, statusCode: 200, error: null },
      { status: 'delivered' },
    );
    expect((await t.store.deliveries.admit(devId, a.destinationId, 2, 4_000)).map((d) => d.deliveryId)).toEqual([
      forA[2]!.deliveryId,
    ]);
    // Only queued deliveries are overdue (a parked one waits for admission, not the sweep).
    expect((await t.store.deliveries.overdue(1_000_000, 0, 10)).map((d) => d.deliveryId).sort()).toEqual(
      [forA[1]!.deliveryId, forA[2]!.deliveryId, forB!.deliveryId].sort(),
    );
    expect(await t.store.deliveries.parkedDestinations(10)).toEqual([{ devId, destinationId: a.destinationId }]);
  });

  it('a delivery waiting for its retry holds no slot; when due it takes one only under the cap (issue 10 item 6)', async () => {
    const { destinationId } = await newDestination();
    const events = [await newEvent(), await newEvent(), await newEvent()];
    const created = await t.store.deliveries.create(
      devId,
      events.map((eventId) => ({ destinationId, eventId, eventType: 'healthcheck', traceId: eventId })),
      1_000,
    );
    const caps = { destination: 1, developer: 100 };
    const [first] = await t.store.deliveries.admit(devId, destinationId, 1, 1_000);
    expect(first!.deliveryId).toBe(created[0]!.deliveryId);
    const claimed = (await t.store.deliveries.claim(devId, first!.deliveryId, 1_000, 10_000, caps))!;
    await t.store.deliveries.recordAttempt(
      claimed,
      { startedAt: 1_000, durationMs: 1, statusCode: 503, error: 'HTTP 503' },
      { status: 'pending', nextAttemptAt: 60_000 },
    );
    // Waiting for its retry, it is parked: the next delivery takes the slot at once.
    expect((await t.store.deliveries.admit(devId, destinationId, 1, 2_000)).map((d) => d.deliveryId)).toEqual([
      created[1]!.deliveryId,
    ]);
    // Not due yet: neither admitted nor listed for the sweep (the slot is taken anyway).
    expect(await t.store.deliveries.parkedDestinations(10, 2_000)).toEqual([{ devId, destinationId }]);
    // Due, its timer fires while the slot is taken: it stays parked instead of overshooting the cap.
    expect(await t.store.deliveries.claim(devId, first!.deliveryId, 60_000, 10_000, caps)).toBeUndefined();
    expect(await t.store.deliveries.get(devId, first!.deliveryId)).toMatchObject({ status: 'pending', attempts: 1 });
    const second = (await t.store.deliveries.claim(devId, created[1]!.deliveryId, 60_000, 10_000, caps))!;
    await t.store.deliveries.recordAttempt(
      second,
      { startedAt: 60_000, durationMs: 1, statusCode: 200, error: null },
      { status: 'delivered' },
    );
    // The slot is free: the due retry takes it when its job runs (before the newer third delivery).
    const retried = await t.store.deliveries.claim(devId, first!.deliveryId, 61_000, 10_000, caps);
    expect(retried).toMatchObject({ deliveryId: first!.deliveryId, attempts: 1 });
    expect(await t.store.deliveries.admit(devId, destinationId, 1, 61_000)).toEqual([]);
  });

  it('caps a developer across all its destinations (issue 10 item 6)', async () => {
    const destinations = [await newDestination(), await newDestination(), await newDestination()];
    for (const { destinationId } of destinations) {
      const events = [await newEvent(), await newEvent(), await newEvent()];
      await t.store.deliveries.create(
        devId,
        events.map((eventId) => ({ destinationId, eventId, eventType: 'healthcheck', traceId: eventId })),
        1_000,
      );
    }
    let admitted = 0;
    for (const { destinationId } of destinations)
      admitted += (await t.store.deliveries.admit(devId, destinationId, 3, 2_000, 4)).length;
    expect(admitted).toBe(4);
    // Another developer's destinations are not held by this developer's cap.
    const other = (await t.store.developers.create({ name: 'other' })).developer.devId;
    const theirs = await t.store.destinations.create(other, {
      type: 'webhook',
      config: { url: 'https://example.com/hook' },
      secrets: {},
      deliveryMode: 'push',
      eventTypes: null,
      format: 'json',
    });
    const event = await t.store.events.insert(other, { type: 'healthcheck', payload: {} });
    await t.store.deliveries.create(
      other,
      [{ destinationId: theirs.destinationId, eventId: event.eventId, eventType: 'healthcheck', traceId: 'o' }],
      1_000,
    );
    expect(await t.store.deliveries.admit(other, theirs.destinationId, 3, 2_000, 4)).toHaveLength(1);
  });

  it('the caps hold across processes: concurrent admissions from separate connections never overshoot (issue 10 item 6)', async () => {
    const { destinationId } = await newDestination();
    const events = [];
    for (let i = 0; i < 40; i++) events.push(await newEvent());
    await t.store.deliveries.create(
      devId,
      events.map((eventId) => ({ destinationId, eventId, eventType: 'healthcheck', traceId: eventId })),
      1_000,
    );
    // Four more connections to the same database, as four more processes would have.
    const others = await Promise.all(
      Array.from({ length: 4 }, () =>
        engine === 'postgres'
          ? openStore({ databaseUrl: t.databaseUrl, schema: t.schema, box: testBox() })
          : openStore({ sqliteFile: t.sqliteFile, box: testBox() }),
      ),
    );
    try {
      const stores = [t.store, ...others];
      const rounds = await Promise.all(
        stores.flatMap((store) =>
          Array.from({ length: 4 }, () => store.deliveries.admit(devId, destinationId, 5, 2_000)),
        ),
      );
      expect(rounds.flat()).toHaveLength(5);
      const queued = (await t.store.deliveries.list(devId, { destinationId, status: 'pending', limit: 100 }))
        .deliveries;
      expect(queued).toHaveLength(40);
      expect(new Set(rounds.flat().map((d) => d.deliveryId)).size).toBe(5);
    } finally {
      for (const store of others) await store.close();
    }
  });

  it('records an attempt only under the lease it was claimed with (fencing), and re-creating a delivered one returns nothing', async () => {
    const { destinationId } = await newDestination();
    const eventId = await newEvent();
    const input = [{ destinationId, eventId, eventType: 'healthcheck', traceId: 'f' }];
    const [delivery] = await t.store.deliveries.create(devId, input, 1_000);
    const id = delivery!.deliveryId;
    const first = (await t.store.deliveries.claim(devId, id, 1_000, 10_000))!;
    // The lease ran out and another worker took the delivery over: the first worker's result is refused.
    const second = (await t.store.deliveries.claim(devId, id, 20_000, 10_000))!;
    const stale = { startedAt: 1_000, durationMs: 9, statusCode: 200, error: null };
    expect(await t.store.deliveries.recordAttempt(first, stale, { status: 'delivered' })).toBe(false);
    expect(await t.store.deliveries.attempts(devId, id)).toEqual([]);
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({ status: 'pending', attempts: 0 });
    const fresh = { startedAt: 20_000, durationMs: 4, statusCode: 204, error: null };
    expect(await t.store.deliveries.recordAttempt(second, fresh, { status: 'delivered' })).toBe(true);
    expect(await t.store.deliveries.attempts(devId, id)).toEqual([
      { attempt: 1, startedAt: new Date(20_000).toISOString(), durationMs: 4, statusCode: 204, error: null },
    ]);
    // The same lease cannot record twice either.
    expect(await t.store.deliveries.recordAttempt(second, fresh, { status: 'delivered' })).toBe(false);
    expect(await t.store.deliveries.create(devId, input)).toEqual([]);
    expect(await t.store.deliveries.get(devId, id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('purges events, deliveries, attempts and data requests past retention, never a pending one (issue 10 item 6)', async () => {
    const { destinationId } = await newDestination();
    const user = await t.store.users.create(devId, { provider: 'UPLOAD' });
    const insert = (extra: { reference?: string } = {}) =>
      t.store.events.insert(devId, { type: 'activity', userId: user.userId, payload: { data: [] }, ...extra });
    const old = await insert();
    const oldPending = await insert();
    const readCopy = await insert({ reference: 'ref-1' });
    const undispatched = await insert();
    await new Promise((resolve) => setTimeout(resolve, 5)); // `recent` in a later millisecond
    const recent = await insert();
    await t.store.events.markDispatched([old, oldPending, readCopy, recent].map((e) => e.eventId));
    const deliveries = await t.store.deliveries.create(
      devId,
      [old, oldPending, readCopy].map((e) => ({
        destinationId,
        eventId: e.eventId,
        eventType: 'activity',
        traceId: e.eventId,
      })),
    );
    await t.store.deliveries.admit(devId, destinationId, 8, Date.now());
    for (const d of [deliveries[0]!, deliveries[2]!]) {
      const claimed = await t.store.deliveries.claim(devId, d.deliveryId, Date.now(), 60_000);
      await t.store.deliveries.recordAttempt(
        claimed!,
        { startedAt: Date.now(), durationMs: 1, statusCode: 200, error: null },
        { status: 'delivered' },
      );
    }
    await t.store.deliveries.setChunk(devId, readCopy.eventId, 'ref-1', 0);
    await t.store.dataRequests.create(devId, {
      reference: 'ref-1',
      userId: user.userId,
      dataType: 'activity',
      startMs: null,
      endMs: null,
      withSamples: false,
    });
    // "Old" = everything before now + 1 s; read copies go after their own (here: also passed) period.
    const now = Date.now() + 1000;
    const purged = await t.store.events.purge({ beforeMs: recent.createdMs, readCopiesBeforeMs: now, limit: 100 });
    const left = (await t.store.events.list(devId)).map((e) => e.eventId);
    // The delivered old event and the delivered read copy went; pending, undispatched and recent ones stay.
    expect(left.sort()).toEqual([oldPending.eventId, undispatched.eventId, recent.eventId].sort());
    expect(purged.events).toBe(2);
    expect(await t.store.deliveries.get(devId, deliveries[0]!.deliveryId)).toBeUndefined();
    expect(await t.store.deliveries.attempts(devId, deliveries[0]!.deliveryId)).toEqual([]);
    expect(await t.store.deliveries.get(devId, deliveries[1]!.deliveryId)).toMatchObject({ status: 'pending' });
    expect(await t.store.deliveries.chunkOf(devId, readCopy.eventId)).toBeUndefined();
    expect(await t.store.dataRequests.get(devId, 'ref-1')).toBeDefined();
    const later = await t.store.events.purge({ beforeMs: now + 86_400_000, readCopiesBeforeMs: now, limit: 100 });
    expect(later.dataRequests).toBe(1);
    expect(await t.store.dataRequests.get(devId, 'ref-1')).toBeUndefined();
  });

  it('releases a lease, and keeps the first chunk index of an event', async () => {
    const { destinationId } = await newDestination();
    const eventId = await newEvent();
    const [delivery] = await t.store.deliveries.create(devId, [
      { destinationId, eventId, eventType: 'healthcheck', traceId: 't' },
    ]);
    const now = Date.now();
    await t.store.deliveries.claim(devId, delivery!.deliveryId, now, 60_000);
    await t.store.deliveries.release(devId, delivery!.deliveryId);
    expect(await t.store.deliveries.claim(devId, delivery!.deliveryId, now, 60_000)).toBeDefined();

    expect(await t.store.deliveries.chunkOf(devId, eventId)).toBeUndefined();
    await t.store.deliveries.setChunk(devId, eventId, 'ref-1', 3);
    await t.store.deliveries.setChunk(devId, eventId, 'ref-1', 4);
    expect(await t.store.deliveries.chunkOf(devId, eventId)).toBe(3);
    const other = (await t.store.developers.create({ name: 'B' })).developer.devId;
    expect(await t.store.deliveries.chunkOf(other, eventId)).toBeUndefined();
  });

  it('writes a delivery in the transaction of its event: both or neither', async () => {
    const { destinationId } = await newDestination();
    await expect(
      t.store.transaction(async (tx) => {
        const event = await tx.events.insert(devId, { type: 'healthcheck', payload: {} });
        await tx.deliveries.create(devId, [
          { destinationId, eventId: event.eventId, eventType: 'healthcheck', traceId: 't' },
        ]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.store.events.list(devId)).toEqual([]);
    expect((await t.store.deliveries.list(devId, { limit: 10 })).deliveries).toEqual([]);
  });

  it('queues jobs per queue name: idempotent add, leased claim, retry, completion', async () => {
    await t.store.jobs.add(
      'a',
      [
        { id: 'j1', data: { n: 1 }, runAt: 100 },
        { id: 'j2', data: { n: 2 }, runAt: 200 },
        { id: 'later', data: {}, runAt: 10_000 },
      ],
      0,
    );
    await t.store.jobs.add('a', [{ id: 'j1', data: { n: 99 }, runAt: 0 }], 0);
    await t.store.jobs.add('b', [{ id: 'j1', data: { other: true }, runAt: 0 }], 0);
    expect(await t.store.jobs.pending('a')).toBe(3);
    expect(await t.store.jobs.pending('b')).toBe(1);

    expect(await t.store.jobs.claim('a', 10, 1_000, 500)).toEqual([
      { id: 'j1', data: { n: 1 } },
      { id: 'j2', data: { n: 2 } },
    ]);
    // Leased until 1 500: nobody else takes them meanwhile.
    expect(await t.store.jobs.claim('a', 10, 1_200, 500)).toEqual([]);
    await t.store.jobs.complete('a', 'j1');
    await t.store.jobs.retryAt('a', 'j2', 3_000);
    expect(await t.store.jobs.claim('a', 10, 2_000, 500)).toEqual([]);
    expect(await t.store.jobs.claim('a', 10, 3_000, 500)).toEqual([{ id: 'j2', data: { n: 2 } }]);
    expect(await t.store.jobs.pending('a')).toBe(2);
    expect(await t.store.jobs.claim('b', 10, 1_000, 500)).toEqual([{ id: 'j1', data: { other: true } }]);
  });
});

describe.each(ENGINES)('Store contract: auth sessions, Apple samples and SDK credentials (%s)', (engine) => {
  let t: TestStore;
  let devId: string;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    devId = (await t.store.developers.create({ name: 'A' })).developer.devId;
  });
  afterEach(async () => {
    await t.close();
  });

  const session = (userId: string | null, extra: Partial<AuthSession> = {}): AuthSession => ({
    sessionId: `lgn_${Math.random().toString(16).slice(2)}`,
    kind: 'login',
    devId,
    userId,
    provider: 'IFIT',
    providers: null,
    referenceId: 'ref',
    successUrl: 'https://app.test/ok',
    failureUrl: null,
    language: null,
    widgetSessionId: null,
    expiresMs: 10_000,
    usedMs: null,
    ...extra,
  });

  it('finds a session by its secret hash, and lets it be used once', async () => {
    const created = session(null, { kind: 'widget', providers: ['IFIT', 'APPLE'], provider: null });
    await t.store.authSessions.create(created, 'a'.repeat(64), '2026-01-01T00:00:00.000Z');
    expect(await t.store.authSessions.bySecretHash('a'.repeat(64))).toEqual(created);
    expect(await t.store.authSessions.bySecretHash('b'.repeat(64))).toBeUndefined();
    expect(await t.store.authSessions.markUsed('a'.repeat(64), 500)).toBe(true);
    expect(await t.store.authSessions.markUsed('a'.repeat(64), 600)).toBe(false);
    expect((await t.store.authSessions.bySecretHash('a'.repeat(64)))?.usedMs).toBe(500);
  });

  it('finds logins abandoned by pending users, and deletes expired sessions', async () => {
    const pending = await t.store.users.create(devId, { provider: 'IFIT' });
    const connected = await t.store.users.create(devId, { provider: 'IFIT', state: 'connected' });
    const abandoned = session(pending.userId, { widgetSessionId: 'wgt_1' });
    await t.store.authSessions.create(abandoned, '1'.repeat(64), '2026-01-01T00:00:00.000Z');
    await t.store.authSessions.create(session(connected.userId), '2'.repeat(64), '2026-01-01T00:00:00.000Z');
    await t.store.authSessions.create(session(pending.userId, { expiresMs: 90_000 }), '3'.repeat(64), 'x');
    expect(await t.store.authSessions.abandonedLogins(50_000)).toEqual([
      { devId, userId: pending.userId, sessionId: abandoned.sessionId, widgetSessionId: 'wgt_1' },
    ]);
    await t.store.authSessions.deleteExpiredBefore(50_000);
    expect(await t.store.authSessions.bySecretHash('1'.repeat(64))).toBeUndefined();
    expect(await t.store.authSessions.bySecretHash('2'.repeat(64))).toBeUndefined();
    expect(await t.store.authSessions.bySecretHash('3'.repeat(64))).toBeDefined();
  });

  const sample = (extra: Partial<AppleSampleRow> = {}): AppleSampleRow => ({
    uuid: null,
    type: 'HKQuantityTypeIdentifierStepCount',
    sourceName: 'Watch',
    startMs: 1_000,
    endMs: 2_000,
    offsetMin: 60,
    bucket: '2026-01-01',
    value: 12,
    textValue: null,
    priority: 1,
    meta: null,
    ...extra,
  });

  it('stores Apple samples once per natural key or UUID, per user', async () => {
    const user = await t.store.users.create(devId, { provider: 'APPLE' });
    const other = await t.store.users.create(devId, { provider: 'APPLE' });
    const rows = [sample(), sample({ startMs: 3_000, endMs: 4_000 }), sample({ uuid: 'U-1', bucket: '2026-01-02' })];
    expect(await t.store.appleSamples.insert(devId, user.userId, rows)).toEqual({
      buckets: new Set(['2026-01-01', '2026-01-02']),
      inserted: 3,
    });
    const again = await t.store.appleSamples.insert(devId, user.userId, [...rows, sample({ uuid: 'U-1', value: 99 })]);
    expect(again.inserted).toBe(0);
    expect(await t.store.appleSamples.count(devId, user.userId)).toBe(3);
    expect(await t.store.appleSamples.count(devId, other.userId)).toBe(0);
    expect(await t.store.appleSamples.inBuckets(devId, user.userId, ['2026-01-01'])).toEqual([rows[0], rows[1]]);
    expect(await t.store.appleSamples.inBuckets(devId, other.userId, ['2026-01-01'])).toEqual([]);

    const summary = sample({ type: 'HKActivitySummary', meta: { move: 100 } });
    await t.store.appleSamples.insert(devId, user.userId, [summary], { replace: true });
    const grown = await t.store.appleSamples.insert(devId, user.userId, [{ ...summary, meta: { move: 250 } }], {
      replace: true,
    });
    expect(grown).toEqual({ buckets: new Set(['2026-01-01']), inserted: 1 });
    const unchanged = await t.store.appleSamples.insert(devId, user.userId, [{ ...summary, meta: { move: 250 } }], {
      replace: true,
    });
    expect(unchanged.inserted).toBe(0);

    expect(await t.store.appleSamples.delete(devId, other.userId, ['U-1'])).toEqual([]);
    expect(await t.store.appleSamples.delete(devId, user.userId, ['U-1', 'U-unknown'])).toEqual([
      { bucket: '2026-01-02', type: 'HKQuantityTypeIdentifierStepCount', textValue: null },
    ]);
  });

  it('records changed Apple buckets dirty with the samples, until a recompute clears the mark it saw (issue 10 item 10b)', async () => {
    const user = await t.store.users.create(devId, { provider: 'APPLE' });
    const before = Date.now();
    // Rolled back with the samples: nothing dirty.
    await expect(
      t.store.transaction(async (tx) => {
        await tx.appleSamples.insert(devId, user.userId, [sample()]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.store.appleSamples.dirty(Date.now() + 1, 10)).toEqual([]);

    await t.store.appleSamples.insert(devId, user.userId, [
      sample(),
      sample({ uuid: 'U-2', bucket: '2026-01-02' }),
      sample({ uuid: 'W-1', bucket: 'workout', type: 'HKWorkout' }),
    ]);
    const dirty = await t.store.appleSamples.dirty(Date.now() + 1, 10);
    expect(dirty.map((d) => d.bucket).sort()).toEqual(['2026-01-01', '2026-01-02']);
    expect(dirty[0]).toMatchObject({ devId, userId: user.userId, markedMs: expect.any(Number) });
    expect(dirty[0]!.markedMs).toBeGreaterThanOrEqual(before);
    expect(await t.store.appleSamples.dirty(before - 1, 10)).toEqual([]);

    const marks = await t.store.appleSamples.dirtyMarks(devId, user.userId, ['2026-01-01', '2026-01-02', '2026-01-03']);
    expect(marks.map((m) => m.bucket).sort()).toEqual(['2026-01-01', '2026-01-02']);
    // 2026-01-02 changes again (a deletion) after the marks were read: it stays dirty.
    expect(await t.store.appleSamples.delete(devId, user.userId, ['U-2'])).toHaveLength(1);
    await t.store.appleSamples.clearDirty(devId, user.userId, marks);
    expect((await t.store.appleSamples.dirty(Date.now() + 1, 10)).map((d) => d.bucket)).toEqual(['2026-01-02']);
    // An insert that adds nothing new marks nothing.
    await t.store.appleSamples.clearDirty(
      devId,
      user.userId,
      await t.store.appleSamples.dirtyMarks(devId, user.userId, ['2026-01-02']),
    );
    await t.store.appleSamples.insert(devId, user.userId, [sample()]);
    expect(await t.store.appleSamples.dirty(Date.now() + 1, 10)).toEqual([]);
    // Dirty buckets go with their user.
    await t.store.appleSamples.insert(devId, user.userId, [sample({ startMs: 5_000, endMs: 6_000 })]);
    await t.store.users.delete(devId, user.userId);
    expect(await t.store.appleSamples.dirty(Date.now() + 1, 10)).toEqual([]);
  });

  it('exchanges an SDK token once, and authenticates an SDK secret by hash', async () => {
    await t.store.appleSdk.saveToken(devId, 'token-1', 10_000);
    await t.store.appleSdk.saveToken(devId, 'token-2', 1_000);
    expect(await t.store.appleSdk.consumeToken('nope', 5_000)).toEqual({ ok: false, reason: 'unknown' });
    expect(await t.store.appleSdk.consumeToken('token-2', 5_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await t.store.appleSdk.consumeToken('token-1', 5_000)).toEqual({ ok: true, devId });
    expect(await t.store.appleSdk.consumeToken('token-1', 5_000)).toEqual({ ok: false, reason: 'used' });

    const user = await t.store.users.create(devId, { provider: 'APPLE' });
    await t.store.appleSdk.saveCredential(devId, user.userId, 'sdk-secret');
    expect(await t.store.appleSdk.authenticate(user.userId, 'sdk-secret')).toBe(devId);
    expect(await t.store.appleSdk.authenticate(user.userId, 'sdk-secreT')).toBeUndefined();
    const row = await (
      await t.sql()
    ).get<{ secret_hash: string }>('SELECT secret_hash FROM apple_sdk_credentials WHERE user_id = ?', [user.userId]);
    expect(row?.secret_hash).not.toContain('sdk-secret');
  });
});
