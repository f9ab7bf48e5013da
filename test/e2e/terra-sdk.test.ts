import { Terra, TerraClient, TerraError } from 'terra-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { activity, body, nutrition, plannedWorkout } from '../api/records.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/**
 * Terra's own SDK (npm terra-api 2.1.0) as the conformance client: every method, against a
 * running server, with only `baseUrl` changed. Users for the data methods are created in
 * the store directly, so these tests do not depend on any provider being configured.
 */

/** No client-side retries: a server error must fail the test at once, not after back-off. */
const once = { maxRetries: 0 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(ENGINES)('terra-api SDK 2.1.0 against Tributary (%s)', (engine) => {
  let t: TestApp;
  let terra: TerraClient;
  let user: User;
  let foreign: User;

  beforeAll(async () => {
    t = await startTestApp(engine, `terra-sdk-${engine}`);
    terra = new TerraClient({ devId: t.devId, apiKey: t.apiKey, baseUrl: `${t.url}/v2` });
    user = await t.app.store.users.create(t.devId, {
      provider: 'IFIT',
      referenceId: 'sdk-ref',
      state: 'connected',
      scopes: 'workouts',
    });
    await storeRecords(t.app.store, {
      user,
      type: 'sleep',
      records: [
        { metadata: { summary_id: 'sl-1', start_time: '2026-02-01T23:00:00Z', end_time: '2026-02-02T07:00:00Z' } },
      ],
    });
    await storeRecords(t.app.store, {
      user,
      type: 'daily',
      records: [
        {
          metadata: { start_time: '2026-02-01T00:00:00Z', end_time: '2026-02-02T00:00:00Z' },
          distance_data: { steps: 9000 },
        },
      ],
    });
    await storeRecords(t.app.store, {
      user,
      type: 'menstruation',
      records: [
        {
          metadata: { start_time: '2026-02-01T00:00:00Z', end_time: '2026-02-02T00:00:00Z' },
          menstruation_data: { day_in_cycle: 3 },
        },
      ],
    });
    await storeRecords(t.app.store, { user, type: 'athlete', records: [{ first_name: 'Ada', sex: 'female' }] });
    const other = await t.otherDeveloper();
    foreign = await t.app.store.users.create(other.devId, { provider: 'IFIT', state: 'connected' });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('user', () => {
    it('getinfoforuserid by user_id and by reference_id', async () => {
      const info = await terra.user.getinfoforuserid({ user_id: user.userId }, once);
      expect(info).toMatchObject({
        status: 'success',
        is_authenticated: true,
        user: { user_id: user.userId, provider: 'IFIT', reference_id: 'sdk-ref', active: true },
      });
      const byReference = await terra.user.getinfoforuserid({ reference_id: 'sdk-ref' }, once);
      expect(Array.isArray(byReference)).toBe(true);
      expect((byReference as Terra.TerraUser[]).map((u) => u.user_id)).toEqual([user.userId]);
    });

    it('getalluserids unpaged and paged', async () => {
      const all = await terra.user.getalluserids({}, once);
      expect(all).toEqual({ users: [expect.objectContaining({ user_id: user.userId })] });
      const paged = await terra.user.getalluserids({ page: 0, per_page: 1 }, once);
      expect(paged).toEqual({
        data: { next: null, max_page: 0, results: [expect.objectContaining({ user_id: user.userId })] },
      });
    });

    it('getinfoformultipleuserids', async () => {
      const users = await terra.user.getinfoformultipleuserids([user.userId, foreign.userId, 'unknown'], once);
      expect(users.map((u) => u.user_id)).toEqual([user.userId]);
    });

    it('modifyuser', async () => {
      const changed = await terra.user.modifyuser(user.userId, { reference_id: 'sdk-ref-2', active: false }, once);
      expect(changed).toMatchObject({
        status: 'success',
        user: { user_id: user.userId, reference_id: 'sdk-ref-2', active: false },
      });
      const back = await terra.user.modifyuser(user.userId, { reference_id: 'sdk-ref', active: true }, once);
      expect(back.user).toMatchObject({ reference_id: 'sdk-ref', active: true });
      // The SDK's default request is {}; it must be a no-op, not an error.
      expect((await terra.user.modifyuser(user.userId, undefined, once)).user).toMatchObject({
        reference_id: 'sdk-ref',
        active: true,
      });
    });
  });

  describe('data', () => {
    it('activity.write then activity.fetch with samples, without samples, and to_webhook', async () => {
      const posted = [activity('sdk-a2', '2026-02-02T07:00:00.000Z'), activity('sdk-a1', '2026-02-01T07:00:00.000Z')];
      // Terra's POST /activity names no user; Tributary takes it from the query.
      const written = await terra.activity
        .write({ data: posted as Terra.Activity[] }, { ...once, queryParams: { user_id: user.userId } })
        .withRawResponse();
      expect(written.rawResponse.status).toBe(201);
      expect(written.data).toMatchObject({
        user: { user_id: user.userId },
        log_ids: ['sdk-a2', 'sdk-a1'],
        message: expect.any(String),
      });

      const withSamples = await terra.activity.fetch(
        {
          user_id: user.userId,
          start_date: '2026-02-01',
          end_date: '2026-02-02',
          to_webhook: false,
          with_samples: true,
        },
        once,
      );
      expect(withSamples).toMatchObject({ type: 'activity', user: { user_id: user.userId } });
      expect((withSamples as Terra.ActivityFetchResponse & { data: unknown[] }).data).toEqual([posted[1], posted[0]]);

      const unix = Math.floor(Date.parse('2026-02-02T00:00:00Z') / 1000);
      const summaries = (await terra.activity.fetch(
        { user_id: user.userId, start_date: unix, to_webhook: false },
        once,
      )) as {
        data: Array<{ metadata: { summary_id: string }; heart_rate_data: { detailed?: { hr_samples?: unknown[] } } }>;
      };
      expect(summaries.data.map((a) => a.metadata.summary_id)).toEqual(['sdk-a2']);
      expect(summaries.data[0]!.heart_rate_data.detailed?.hr_samples).toBeUndefined();

      const webhook = await terra.activity.fetch({ user_id: user.userId, start_date: '2026-02-01' }, once);
      expect(webhook).toMatchObject({
        reference: expect.any(String),
        message: expect.any(String),
        user: { user_id: user.userId },
      });
    });

    it('athlete.fetch', async () => {
      const answer = await terra.athlete.fetch({ user_id: user.userId, to_webhook: false }, once);
      expect(answer).toMatchObject({ type: 'athlete', athlete: { first_name: 'Ada' }, user: { user_id: user.userId } });
    });

    it('body.write, body.fetch, body.delete (200 and 207)', async () => {
      const written = await terra.body.write(
        { data: [body('2026-02-01'), body('2026-02-02')] as Terra.Body[] },
        { ...once, queryParams: { user_id: user.userId } },
      );
      expect(written.log_ids).toEqual(['2026-02-01', '2026-02-02']);
      const fetched = (await terra.body.fetch(
        { user_id: user.userId, start_date: '2026-02-01', end_date: '2026-02-02', to_webhook: false },
        once,
      )) as { data: unknown[] };
      expect(fetched.data).toHaveLength(2);
      const deleted = await terra.body
        .delete({ user_id: user.userId, log_ids: ['2026-02-01'] }, once)
        .withRawResponse();
      expect(deleted.rawResponse.status).toBe(200);
      expect(deleted.data).toMatchObject({
        user: { user_id: user.userId },
        processed_data: [{ id: '2026-02-01', response_code: 200 }],
      });
      const mixed = await terra.body
        .delete({ user_id: user.userId, log_ids: ['2026-02-02', '2026-02-01'] }, once)
        .withRawResponse();
      expect(mixed.rawResponse.status).toBe(207);
      expect(mixed.data.processed_data).toEqual([
        { id: '2026-02-02', response_code: 200 },
        { id: '2026-02-01', response_code: 404 },
      ]);
    });

    it('daily.fetch, sleep.fetch, menstruation.fetch', async () => {
      const range = { user_id: user.userId, start_date: '2026-02-01', end_date: '2026-02-02', to_webhook: false };
      expect(((await terra.daily.fetch(range, once)) as { data: unknown[] }).data).toEqual([
        expect.objectContaining({ distance_data: { steps: 9000 } }),
      ]);
      expect(((await terra.sleep.fetch(range, once)) as { data: unknown[] }).data).toEqual([
        expect.objectContaining({ metadata: expect.objectContaining({ summary_id: 'sl-1' }) }),
      ]);
      expect(((await terra.menstruation.fetch(range, once)) as { data: unknown[] }).data).toEqual([
        expect.objectContaining({ menstruation_data: { day_in_cycle: 3 } }),
      ]);
    });

    it('nutrition.write, nutrition.fetch, nutrition.delete', async () => {
      const written = await terra.nutrition.write(
        { data: [nutrition('2026-02-03', 1800)] as Terra.Nutrition[] },
        { ...once, queryParams: { user_id: user.userId } },
      );
      expect(written.log_ids).toEqual(['2026-02-03']);
      const fetched = (await terra.nutrition.fetch(
        { user_id: user.userId, start_date: '2026-02-03', end_date: '2026-02-03', to_webhook: false },
        once,
      )) as { data: unknown[] };
      expect(fetched.data).toEqual([nutrition('2026-02-03', 1800)]);
      const deleted = await terra.nutrition.delete({ user_id: user.userId, data: ['2026-02-03'] }, once);
      expect(deleted.processed_data).toEqual([{ id: '2026-02-03', response_code: 200 }]);
    });

    it('plannedworkout.write, plannedworkout.fetch, plannedworkout.delete', async () => {
      const plan = plannedWorkout('sdk-pw', '2026-02-10T06:00:00Z') as Terra.PlannedWorkout;
      const written = await terra.plannedworkout.write({ user_id: user.userId, data: [plan] }, once);
      expect(written.log_ids).toEqual(['sdk-pw']);
      const fetched = (await terra.plannedworkout.fetch(
        { user_id: user.userId, start_date: '2026-02-10', end_date: '2026-02-10', to_webhook: false },
        once,
      )) as { data: unknown[] };
      expect(fetched.data).toEqual([plan]);
      const deleted = await terra.plannedworkout.delete({ user_id: user.userId, data: ['sdk-pw'] }, once);
      expect(deleted.processed_data).toEqual([{ id: 'sdk-pw', response_code: 200 }]);
    });
  });

  describe('integrations', () => {
    it('integrations.fetch and integrations.detailedfetch', async () => {
      const configured = t.app.context.providers.list();
      const list = await terra.integrations.fetch(once);
      expect(list).toMatchObject({
        status: 'success',
        providers: configured.filter((p) => !p.capabilities.sdkOnly).map((p) => p.capabilities.name),
      });
      const detailed = await terra.integrations.detailedfetch({ sdk: true }, once);
      expect(detailed.status).toBe('success');
      expect(detailed.providers?.map((p) => p.provider)).toEqual(configured.map((p) => p.capabilities.name));
    });

    it('works without an API key (public endpoints)', async () => {
      const anonymous = new TerraClient({ devId: 'anyone', baseUrl: `${t.url}/v2` });
      expect((await anonymous.integrations.fetch(once)).status).toBe('success');
    });
  });

  describe('error classes', () => {
    it('400 → Terra.BadRequestError with the JSON body naming the parameter', async () => {
      const error = await rejection(terra.activity.fetch({ user_id: user.userId, start_date: 'not-a-date' }, once));
      expect(error).toBeInstanceOf(Terra.BadRequestError);
      expect((error as TerraError).statusCode).toBe(400);
      expect((error as TerraError).body).toMatchObject({
        status: 'error',
        parameter: 'start_date',
        message: expect.stringContaining('start_date'),
      });
      const badWrite = await rejection(
        terra.body.write(
          { data: [{ metadata: {} }] as unknown as Terra.Body[] },
          { ...once, queryParams: { user_id: user.userId } },
        ),
      );
      expect(badWrite).toBeInstanceOf(Terra.BadRequestError);
    });

    it('401 → Terra.UnauthorizedError for a wrong key from fetch and delete calls; a plain TerraError 401 from user, authentication and write calls', async () => {
      const wrong = new TerraClient({ devId: t.devId, apiKey: 'not-the-key', baseUrl: `${t.url}/v2` });
      // Each call starts only when awaited: a rejection left waiting would be reported as unhandled.
      for (const call of [
        () => wrong.activity.fetch({ user_id: user.userId, start_date: '2026-02-01', to_webhook: false }, once),
        () => wrong.athlete.fetch({ user_id: user.userId }, once),
        () => wrong.body.delete({ user_id: user.userId, log_ids: ['2026-02-01'] }, once),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(Terra.UnauthorizedError);
        expect((error as TerraError).statusCode).toBe(401);
        expect((error as TerraError).body).toMatchObject({ message: expect.any(String) });
      }
      // The SDK declares no 401 for the user and authentication endpoints, nor for the data
      // types' write calls: it raises its base class with the status (as the README says).
      for (const call of [
        () => wrong.user.getalluserids({}, once),
        () => wrong.authentication.generatewidgetsession({ reference_id: 'sdk-401' }, once),
        () => wrong.activity.write({ data: [] }, { ...once, queryParams: { user_id: user.userId } }),
        () => wrong.plannedworkout.write({ user_id: user.userId, data: [] }, once),
      ]) {
        const generic = await rejection(call());
        expect(generic).toBeInstanceOf(TerraError);
        expect(generic).not.toBeInstanceOf(Terra.UnauthorizedError);
        expect((generic as TerraError).statusCode).toBe(401);
      }
      // The integrations list needs no key at all; the delete calls do map 401.
      expect((await wrong.integrations.fetch(once)).status).toBe('success');
      expect(
        await rejection(wrong.nutrition.delete({ user_id: user.userId, data: ['2026-02-01'] }, once)),
      ).toBeInstanceOf(Terra.UnauthorizedError);
      const missingKey = new TerraClient({ devId: t.devId, baseUrl: `${t.url}/v2` });
      expect(
        await rejection(missingKey.sleep.fetch({ user_id: user.userId, start_date: '2026-02-01' }, once)),
      ).toBeInstanceOf(Terra.UnauthorizedError);
    });

    it('404 → Terra.NotFoundError for an unknown user and another developer’s user', async () => {
      for (const id of ['no-such-user', foreign.userId]) {
        const error = await rejection(terra.user.getinfoforuserid({ user_id: id }, once));
        expect(error).toBeInstanceOf(Terra.NotFoundError);
        expect((error as TerraError).statusCode).toBe(404);
      }
      expect(
        await rejection(
          terra.sleep.fetch({ user_id: foreign.userId, start_date: '2026-02-01', to_webhook: false }, once),
        ),
      ).toBeInstanceOf(Terra.NotFoundError);
    });
  });

  // These endpoints belong to the authentication feature (another issue's routes);
  // the expectations follow the documented behaviour.
  describe('authentication', () => {
    it('authenticateuser with resource=UPLOAD creates a connected user at once', async () => {
      const answer = await terra.authentication.authenticateuser(
        { resource: 'UPLOAD', reference_id: 'sdk-upload' },
        once,
      );
      expect(answer).toMatchObject({
        status: 'success',
        user_id: expect.any(String),
        auth_url: expect.stringMatching(/^https?:\/\//),
      });
      const info = await terra.user.getinfoforuserid({ user_id: answer.user_id! }, once);
      expect(info).toMatchObject({ is_authenticated: true, user: { provider: 'UPLOAD', reference_id: 'sdk-upload' } });
    });

    it('authenticateuser with an unknown resource → Terra.BadRequestError', async () => {
      expect(
        await rejection(terra.authentication.authenticateuser({ resource: 'NOT_A_PROVIDER' }, once)),
      ).toBeInstanceOf(Terra.BadRequestError);
    });

    it('generatewidgetsession returns {session_id, url, status, expires_in}', async () => {
      const session = await terra.authentication.generatewidgetsession({ reference_id: 'sdk-widget' }, once);
      expect(session).toMatchObject({
        status: 'success',
        session_id: expect.any(String),
        url: expect.stringMatching(/^https?:\/\//),
        expires_in: expect.any(Number),
      });
      // The SDK sends {} when called without arguments.
      expect((await terra.authentication.generatewidgetsession(undefined, once)).status).toBe('success');
    });

    it('generateauthtoken returns {status, token, expires_in}', async () => {
      const token = await terra.authentication.generateauthtoken(once);
      expect(token).toMatchObject({ status: 'success', token: expect.any(String), expires_in: expect.any(Number) });
    });

    it('deauthenticateuser removes the user; an unknown user → Terra.NotFoundError', async () => {
      const doomed = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected' });
      const answer = await terra.authentication.deauthenticateuser({ user_id: doomed.userId }, once);
      expect(answer).toMatchObject({ status: 'success' });
      const after = await terra.user
        .getinfoforuserid({ user_id: doomed.userId }, once)
        .catch((error: unknown) => error);
      // Terra deletes the user; a server that keeps a deauthorized record must at least say it is not authenticated.
      if (after instanceof Error) expect(after).toBeInstanceOf(Terra.NotFoundError);
      else expect(after).toMatchObject({ is_authenticated: false });
      expect(
        await rejection(terra.authentication.deauthenticateuser({ user_id: 'no-such-user' }, once)),
      ).toBeInstanceOf(Terra.NotFoundError);
    });
  });
});
