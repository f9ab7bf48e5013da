import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';

/**
 * A connection row belongs to one developer: saving a connection for a user id that is
 * another developer's must not overwrite that developer's provider tokens or sync state.
 */
describe.each(ENGINES)('connections are scoped by developer (%s)', (engine) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("save() under developer B leaves developer A's connection untouched", async () => {
    t = await openTestStore(engine, `security-connections-${engine}`);
    const { store } = t;
    const { developer: a } = await store.developers.create({ name: 'A' });
    const { developer: b } = await store.developers.create({ name: 'B' });
    const user = await store.users.create(a.devId, { provider: 'IFIT', state: 'connected' });
    await store.connections.save(a.devId, {
      userId: user.userId,
      provider: 'IFIT',
      credentials: { token: 'a-token' },
      status: 'active',
      syncState: { cursor: 1 },
    });

    await expect(
      store.connections.save(b.devId, {
        userId: user.userId,
        provider: 'IFIT',
        credentials: { token: 'b-token' },
        status: 'active',
        syncState: { cursor: 99 },
      }),
    ).rejects.toThrow(/not found/);

    const kept = await store.connections.get<{ token: string }, { cursor: number }>(a.devId, user.userId);
    expect(kept?.credentials).toEqual({ token: 'a-token' });
    expect(kept?.syncState).toEqual({ cursor: 1 });
    expect(await store.connections.get(b.devId, user.userId)).toBeUndefined();
  });

  it("save() under developer B for A's user with no connection yet creates no row", async () => {
    t = await openTestStore(engine, `security-connections-new-${engine}`);
    const { store } = t;
    const { developer: a } = await store.developers.create({ name: 'A' });
    const { developer: b } = await store.developers.create({ name: 'B' });
    const user = await store.users.create(a.devId, { provider: 'IFIT', state: 'connected' });
    await expect(
      store.connections.save(b.devId, { userId: user.userId, provider: 'IFIT', credentials: { token: 'b-token' } }),
    ).rejects.toThrow(/not found/);
    expect(await store.connections.get(a.devId, user.userId)).toBeUndefined();
    expect(await store.connections.get(b.devId, user.userId)).toBeUndefined();
  });
});
