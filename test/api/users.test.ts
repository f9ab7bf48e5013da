import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { User } from '../../src/store/store.ts';
import { call, isErrorBody } from './client.ts';

describe.each(ENGINES)('users endpoints (%s)', (engine) => {
  let t: TestApp;
  let alice: User;
  let aliceWatch: User;
  let bob: User;
  let pending: User;
  let foreign: User;
  let other: { devId: string; apiKey: string; headers: Record<string, string> };

  beforeAll(async () => {
    t = await startTestApp(engine, `users-${engine}`);
    alice = await t.app.store.users.create(t.devId, {
      provider: 'IFIT',
      referenceId: 'alice',
      state: 'connected',
      scopes: 'workouts',
    });
    aliceWatch = await t.app.store.users.create(t.devId, {
      provider: 'APPLE',
      referenceId: 'alice',
      state: 'connected',
    });
    bob = await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'bob', state: 'connected' });
    pending = await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'carol' });
    other = await t.otherDeveloper();
    foreign = await t.app.store.users.create(other.devId, {
      provider: 'IFIT',
      referenceId: 'alice',
      state: 'connected',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /v2/userInfo', () => {
    it('by user_id answers {user, status, is_authenticated} with a TerraUser', async () => {
      const { status, body } = await call(t, 'GET', `/v2/userInfo?user_id=${alice.userId}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        status: 'success',
        is_authenticated: true,
        user: {
          user_id: alice.userId,
          provider: 'IFIT',
          reference_id: 'alice',
          scopes: 'workouts',
          active: true,
          last_webhook_update: null,
          created_at: alice.createdAt,
        },
      });
    });

    it('says is_authenticated false for a user whose login did not finish', async () => {
      const { body } = await call(t, 'GET', `/v2/userInfo?user_id=${pending.userId}`);
      expect(body.is_authenticated).toBe(false);
    });

    it('by reference_id answers a bare array of every user with it, and [] when none', async () => {
      const { status, body } = await call(t, 'GET', '/v2/userInfo?reference_id=alice');
      expect(status).toBe(200);
      expect(Array.isArray(body)).toBe(true);
      expect(body.map((u: { user_id: string }) => u.user_id)).toEqual([alice.userId, aliceWatch.userId]);
      expect((await call(t, 'GET', '/v2/userInfo?reference_id=nobody')).body).toEqual([]);
    });

    it('400 naming user_id when neither id is given', async () => {
      const { status, body } = await call(t, 'GET', '/v2/userInfo');
      expect(status).toBe(400);
      expect(body).toMatchObject({ status: 'error', parameter: 'user_id' });
      expect(body.message).toContain('user_id');
    });

    it('404 for an unknown user and for another developer’s user', async () => {
      for (const id of ['no-such-user', foreign.userId]) {
        const { status, body } = await call(t, 'GET', `/v2/userInfo?user_id=${id}`);
        expect(status).toBe(404);
        expect(isErrorBody(body)).toBe(true);
      }
    });

    it('401 without keys and with a wrong key', async () => {
      expect((await call(t, 'GET', `/v2/userInfo?user_id=${alice.userId}`, { headers: null })).status).toBe(401);
      const wrong = await call(t, 'GET', `/v2/userInfo?user_id=${alice.userId}`, {
        headers: { 'dev-id': t.devId, 'x-api-key': 'wrong' },
      });
      expect(wrong.status).toBe(401);
      expect(isErrorBody(wrong.body)).toBe(true);
      const crossed = await call(t, 'GET', `/v2/userInfo?user_id=${alice.userId}`, {
        headers: { 'dev-id': other.devId, 'x-api-key': t.apiKey },
      });
      expect(crossed.status).toBe(401);
    });
  });

  describe('GET /v2/subscriptions', () => {
    it('unpaged: {users} with only this developer’s users, in creation order', async () => {
      const { status, body } = await call(t, 'GET', '/v2/subscriptions');
      expect(status).toBe(200);
      expect(Object.keys(body)).toEqual(['users']);
      expect(body.users.map((u: { user_id: string }) => u.user_id)).toEqual([
        alice.userId,
        aliceWatch.userId,
        bob.userId,
        pending.userId,
      ]);
    });

    it('paged: {data: {next, max_page, results}}, zero-based', async () => {
      const first = await call(t, 'GET', '/v2/subscriptions?page=0&per_page=3');
      expect(first.status).toBe(200);
      expect(first.body.data).toMatchObject({ next: 1, max_page: 1 });
      expect(first.body.data.results.map((u: { user_id: string }) => u.user_id)).toEqual([
        alice.userId,
        aliceWatch.userId,
        bob.userId,
      ]);
      const last = await call(t, 'GET', '/v2/subscriptions?page=1&per_page=3');
      expect(last.body.data).toMatchObject({ next: null, max_page: 1 });
      expect(last.body.data.results.map((u: { user_id: string }) => u.user_id)).toEqual([pending.userId]);
      const beyond = await call(t, 'GET', '/v2/subscriptions?page=7&per_page=3');
      expect(beyond.body.data).toEqual({ next: null, max_page: 1, results: [] });
      const defaults = await call(t, 'GET', '/v2/subscriptions?page=0');
      expect(defaults.body.data).toMatchObject({ next: null, max_page: 0 });
      expect(defaults.body.data.results).toHaveLength(4);
    });

    it('an empty developer gets max_page 0 and no next page', async () => {
      const { body } = await call(t, 'GET', '/v2/subscriptions?page=0', {
        headers: (await t.otherDeveloper()).headers,
      });
      expect(body).toEqual({ data: { next: null, max_page: 0, results: [] } });
    });

    it('400 naming page or per_page when they are not non-negative integers', async () => {
      for (const [query, parameter] of [
        ['page=-1', 'page'],
        ['page=abc', 'page'],
        ['page=0&per_page=0', 'per_page'],
        ['page=1.5', 'page'],
        ['per_page=100000000', 'per_page'],
      ]) {
        const { status, body } = await call(t, 'GET', `/v2/subscriptions?${query}`);
        expect(status, query).toBe(400);
        expect(body.parameter).toBe(parameter);
      }
    });

    it('401 without keys', async () => {
      expect((await call(t, 'GET', '/v2/subscriptions', { headers: null })).status).toBe(401);
    });
  });

  describe('POST /v2/bulkUserInfo', () => {
    it('answers the developer’s users among the ids in request order, leaving out unknown and foreign ids', async () => {
      const { status, body } = await call(t, 'POST', '/v2/bulkUserInfo', {
        body: [bob.userId, 'unknown', foreign.userId, alice.userId, bob.userId],
      });
      expect(status).toBe(200);
      expect(body.map((u: { user_id: string }) => u.user_id)).toEqual([bob.userId, alice.userId]);
      expect(body[0]).toMatchObject({ provider: 'IFIT', reference_id: 'bob', active: true });
    });

    it('an empty array gives an empty array', async () => {
      expect((await call(t, 'POST', '/v2/bulkUserInfo', { body: [] })).body).toEqual([]);
    });

    it('400 when the body is not an array of strings, or not JSON', async () => {
      const notArray = await call(t, 'POST', '/v2/bulkUserInfo', { body: { ids: [alice.userId] } });
      expect(notArray.status).toBe(400);
      expect(notArray.body.parameter).toBe('body');
      const badItem = await call(t, 'POST', '/v2/bulkUserInfo', { body: [alice.userId, 42] });
      expect(badItem.status).toBe(400);
      expect(badItem.body.parameter).toBe('body[1]');
      const broken = await call(t, 'POST', '/v2/bulkUserInfo', { rawBody: '["abc",' });
      expect(broken.status).toBe(400);
      expect(isErrorBody(broken.body)).toBe(true);
    });

    it('401 without keys', async () => {
      expect((await call(t, 'POST', '/v2/bulkUserInfo', { body: [alice.userId], headers: null })).status).toBe(401);
    });
  });

  describe('PATCH /v2/users/{user_id}', () => {
    it('changes reference_id and active and answers {user, status}; the change is stored', async () => {
      const user = await t.app.store.users.create(t.devId, {
        provider: 'IFIT',
        referenceId: 'before',
        state: 'connected',
      });
      const { status, body } = await call(t, 'PATCH', `/v2/users/${user.userId}`, {
        body: { reference_id: 'after', active: false },
      });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'success',
        user: { user_id: user.userId, reference_id: 'after', active: false },
      });
      expect(await t.app.store.users.get(t.devId, user.userId)).toMatchObject({ referenceId: 'after', active: false });
      const back = await call(t, 'PATCH', `/v2/users/${encodeURIComponent(user.userId)}`, { body: { active: true } });
      expect(back.body.user).toMatchObject({ reference_id: 'after', active: true });
      const cleared = await call(t, 'PATCH', `/v2/users/${user.userId}`, { body: { reference_id: null } });
      expect(cleared.body.user.reference_id).toBeNull();
      const unchanged = await call(t, 'PATCH', `/v2/users/${user.userId}`, { body: {} });
      expect(unchanged.status).toBe(200);
      expect(unchanged.body.user).toMatchObject({ reference_id: null, active: true });
    });

    it('400 naming the field for wrong types and unknown fields; nothing is changed', async () => {
      for (const [body, parameter] of [
        [{ active: 'no' }, 'active'],
        [{ reference_id: 5 }, 'reference_id'],
        [{ reference: 'x' }, 'reference'],
        [['x'], 'body'],
        [null, 'body'],
      ] as const) {
        const answer = await call(t, 'PATCH', `/v2/users/${bob.userId}`, { body });
        expect(answer.status).toBe(400);
        expect(answer.body.parameter).toBe(parameter);
      }
      expect(await t.app.store.users.get(t.devId, bob.userId)).toMatchObject({ referenceId: 'bob', active: true });
    });

    it('a malformed user id in the path is a JSON 400', async () => {
      const { status, body } = await call(t, 'PATCH', '/v2/users/%ZZ', { body: { active: false } });
      expect(status).toBe(400);
      expect(isErrorBody(body)).toBe(true);
      expect(body.status).toBe('error');
    });

    it('404 for an unknown user and another developer’s user (which stays unchanged)', async () => {
      expect((await call(t, 'PATCH', '/v2/users/nobody', { body: { active: false } })).status).toBe(404);
      expect((await call(t, 'PATCH', `/v2/users/${foreign.userId}`, { body: { active: false } })).status).toBe(404);
      expect((await t.app.store.users.get(other.devId, foreign.userId))?.active).toBe(true);
    });

    it('401 without keys', async () => {
      expect(
        (await call(t, 'PATCH', `/v2/users/${bob.userId}`, { body: { active: false }, headers: null })).status,
      ).toBe(401);
    });
  });
});
