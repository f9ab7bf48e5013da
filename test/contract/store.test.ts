import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';
import { dbOf } from '../../src/store/index.ts';
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
    const row = await dbOf(t.store).get<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE dev_id = ?', [
      developer.devId,
    ]);
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
    const db = dbOf(t.store);
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

  it('encrypts connection credentials at rest', async () => {
    const dev = (await t.store.developers.create({ name: 'A' })).developer;
    const user = await t.store.users.create(dev.devId, { provider: 'IFIT' });
    await t.store.connections.save(dev.devId, {
      userId: user.userId,
      provider: 'IFIT',
      credentials: { access_token: 'secret-token-123' },
      nextSyncAt: 0,
    });
    const raw = await dbOf(t.store).get<{ credentials_sealed: string }>(
      'SELECT credentials_sealed FROM connections WHERE user_id = ?',
      [user.userId],
    );
    expect(raw?.credentials_sealed).toMatch(/^v1\./);
    expect(raw?.credentials_sealed).not.toContain('secret-token-123');
    expect((await t.store.connections.get(dev.devId, user.userId))?.credentials).toEqual({
      access_token: 'secret-token-123',
    });
    const claimed = await t.store.connections.claimDue(Date.now(), 10, 60_000);
    expect(claimed.map((c) => c.userId)).toEqual([user.userId]);
    expect(await t.store.connections.claimDue(Date.now(), 10, 60_000)).toEqual([]);
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
});
