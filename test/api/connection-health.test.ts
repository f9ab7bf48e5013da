import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceStaleConnections } from '../../src/health/stale-watch.ts';
import type { User } from '../../src/store/store.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver } from '../delivery/receiver.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

const HOUR = 3_600_000;

interface Health {
  user_id: string;
  stale: boolean;
  stale_reason: string | null;
  last_data_at: string | null;
  last_sync_success_at: string | null;
  last_sync_failure_at: string | null;
  last_sync_error: string | null;
  consecutive_failures: number;
  expected_cadence_hours: number | null;
  stale_notified_at: string | null;
}
interface HealthPage {
  connections: Health[];
  total: number;
  stale_count: number;
}

describe.each(ENGINES)('connection health (%s)', (engine) => {
  let t: TestApp;
  let users: Record<'fresh' | 'quiet' | 'failing' | 'pending' | 'upload' | 'quietWorkouts', User>;
  const receiver = startReceiver();

  beforeAll(async () => {
    t = await startTestApp(engine, `health-${engine}`);
    const store = t.app.store;
    const make = (provider: string, referenceId: string, state: User['state'] = 'connected') =>
      store.users.create(t.devId, { provider, referenceId, state });
    users = {
      fresh: await make('APPLE', 'fresh'),
      quiet: await make('APPLE', 'quiet'),
      failing: await make('IFIT', 'failing'),
      pending: await make('IFIT', 'pending', 'pending'),
      upload: await make('UPLOAD', 'upload'),
      quietWorkouts: await make('IFIT', 'quiet-workouts'),
    };
    // Every user connected three days ago; only "fresh" got data since (an hour ago).
    const threeDaysAgo = new Date(Date.now() - 72 * HOUR).toISOString();
    await (await t.sql()).run('UPDATE users SET created_at = ? WHERE dev_id = ?', [threeDaysAgo, t.devId]);
    await store.users.update(t.devId, users.fresh.userId, {
      lastWebhookUpdate: new Date(Date.now() - HOUR).toISOString(),
    });
    await store.users.update(t.devId, users.quiet.userId, { lastWebhookUpdate: threeDaysAgo });
    await store.connections.save(t.devId, {
      userId: users.failing.userId,
      provider: 'IFIT',
      credentials: { accessToken: 'x' },
      syncState: {
        lastSyncAt: threeDaysAgo,
        failures: 3,
        lastError: 'iFit answered HTTP 503',
        lastErrorAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    await store.connections.save(t.devId, {
      userId: users.quietWorkouts.userId,
      provider: 'IFIT',
      credentials: { accessToken: 'x' },
      syncState: { lastSyncAt: new Date().toISOString(), failures: 0 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await (await receiver).close();
  });

  const get = async (query = '') => {
    const response = await fetch(`${t.url}/v2/connections/health${query}`, { headers: t.headers });
    return { status: response.status, body: (await response.json()) as HealthPage & { parameter?: string } };
  };

  it('marks connections stale when data stops for longer than the provider’s cadence or syncs keep failing', async () => {
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.total).toBe(6);
    expect(body.stale_count).toBe(2);
    const by = new Map(body.connections.map((c) => [c.user_id, c]));
    expect(by.get(users.fresh.userId)).toMatchObject({ stale: false, expected_cadence_hours: 48 });
    expect(by.get(users.quiet.userId)).toMatchObject({ stale: true, stale_reason: 'no_data' });
    expect(by.get(users.failing.userId)).toMatchObject({
      stale: true,
      stale_reason: 'sync_failing',
      consecutive_failures: 3,
      last_sync_error: 'iFit answered HTTP 503',
      last_sync_failure_at: expect.any(String),
    });
    // Workouts come when the user trains: three quiet days with healthy syncs is normal.
    expect(by.get(users.quietWorkouts.userId)).toMatchObject({
      stale: false,
      expected_cadence_hours: 720,
      last_sync_success_at: expect.any(String),
    });
    // Pending users are pending, not stale; uploads have no cadence.
    expect(by.get(users.pending.userId)).toMatchObject({ stale: false });
    expect(by.get(users.upload.userId)).toMatchObject({ stale: false, expected_cadence_hours: null });

    const staleOnly = await get('?stale=true');
    expect(staleOnly.body.connections.map((c) => c.user_id).sort()).toEqual(
      [users.quiet.userId, users.failing.userId].sort(),
    );
    const one = await get(`?user_id=${users.quiet.userId}`);
    expect(one.body.connections).toHaveLength(1);
    const search = await get('?query=QUIET&state=connected');
    expect(search.body.connections.map((c) => c.user_id)).toEqual([users.quiet.userId, users.quietWorkouts.userId]);
    expect(search.body.stale_count).toBe(2);
    expect((await get('?provider=ifit&stale=false')).body.total).toBe(2);
    expect((await get('?state=gone')).body.parameter).toBe('state');
    const paged = await get('?per_page=4&page=1');
    expect(paged.body.connections).toHaveLength(2);
    expect((await get('?user_id=nobody')).status).toBe(404);
    expect((await get('?stale=maybe')).body.parameter).toBe('stale');
    expect((await get('?per_page=0')).body.parameter).toBe('per_page');
    const other = await t.otherDeveloper();
    const foreign = await fetch(`${t.url}/v2/connections/health?user_id=${users.quiet.userId}`, {
      headers: other.headers,
    });
    expect(foreign.status).toBe(404);
  });

  it('hands out a fresh upload link for an upload user only', async () => {
    const link = (userId: string, headers = t.headers) =>
      fetch(`${t.url}/v2/users/${userId}/upload-link`, { method: 'POST', headers }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { url?: string; parameter?: string },
      }));
    const ok = await link(users.upload.userId);
    expect(ok.status).toBe(200);
    expect(ok.body.url).toMatch(new RegExp(`^${t.url}/`));
    // The link opens the hosted upload page.
    const page = await fetch(ok.body.url!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await link(users.fresh.userId)).body.parameter).toBe('user_id');
    expect((await link('nobody')).status).toBe(404);
    expect((await link(users.upload.userId, (await t.otherDeveloper()).headers)).status).toBe(404);
  });

  it('announces a stale period once as connection_stale, only to destinations that list it', async () => {
    const hook = await receiver;
    const create = (body: Record<string, unknown>) =>
      fetch(`${t.url}/v2/destinations`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'webhook', url: hook.url, ...body }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const everything = await create({});
    const optedIn = await create({ event_types: ['connection_stale', 'activity'] });
    expect([everything.status, optedIn.status]).toEqual([201, 201]);

    const deps = {
      store: t.app.store,
      providers: t.app.context.providers,
      eventsCommitted: t.app.context.eventsCommitted,
    };
    expect(await announceStaleConnections(deps)).toBe(2);
    expect(await announceStaleConnections(deps)).toBe(0);
    await hook.waitFor((all) => all.filter((r) => r.body.includes('connection_stale')).length >= 2);
    const stale = hook.received.filter((r) => r.body.includes('"connection_stale"'));
    expect(stale).toHaveLength(2);
    const reasons = stale.map((r) => (JSON.parse(r.body) as { reason: string }).reason).sort();
    expect(reasons).toEqual(['no_data', 'sync_failing']);
    const events = await eventually(async () => {
      const answer = (await (
        await fetch(`${t.url}/v2/events?type=connection_stale`, { headers: t.headers })
      ).json()) as { events: { deliveries: { destination_id: string }[] }[] };
      return answer.events.every((e) => e.deliveries.length > 0) && answer.events;
    });
    for (const event of events) expect(event.deliveries.map((d) => d.destination_id)).toEqual([optedIn.body.id]);
    expect((await get(`?user_id=${users.quiet.userId}`)).body.connections[0]?.stale_notified_at).toEqual(
      expect.any(String),
    );

    // Data arrives: healthy again, the notice is cleared; a new quiet period is announced anew.
    await t.app.store.users.update(t.devId, users.quiet.userId, { lastWebhookUpdate: new Date().toISOString() });
    expect(await announceStaleConnections(deps)).toBe(0);
    expect((await get(`?user_id=${users.quiet.userId}`)).body.connections[0]?.stale_notified_at).toBeNull();
    expect(await announceStaleConnections(deps, Date.now() + 49 * HOUR)).toBeGreaterThanOrEqual(1);
  });
});
