/* eslint-disable @typescript-eslint/no-explicit-any -- tool answers are JSON read back freely */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity, body } from '../api/records.ts';

/**
 * The MCP server end to end: the official SDK's client over HTTP against a real server, with
 * a developer key and with user grants, on both store engines.
 */
describe.each(ENGINES)('MCP server over Streamable HTTP (%s)', (engine) => {
  let t: TestApp;
  let user: User;
  let other: User;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestApp(engine, `mcp-server-${engine}`);
    user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', referenceId: 'alice', state: 'connected' });
    other = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', referenceId: 'bob', state: 'connected' });
    await storeRecords(t.app.store, {
      user,
      type: 'activity',
      records: [
        activity('run-1', '2026-03-01T08:00:00.000Z', 30),
        activity('run-2', '2026-03-02T08:00:00.000Z', 60),
        activity('run-3', '2026-03-10T08:00:00.000Z', 45),
      ],
    });
    await storeRecords(t.app.store, {
      user,
      type: 'body',
      records: [body('2026-03-01', 70), body('2026-03-03', 69)],
    });
    await storeRecords(t.app.store, {
      user: other,
      type: 'activity',
      records: [activity('bob-1', '2026-03-01T09:00:00.000Z')],
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await t?.close();
  });

  const connect = async (headers: Record<string, string>) => {
    const client = new Client({ name: 'tributary-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as {
      isError?: boolean;
      content: { type: string; text: string }[];
    };
    const text = result.content[0]!.text;
    return { isError: Boolean(result.isError), text, json: result.isError ? undefined : (JSON.parse(text) as any) };
  };
  const api = async (method: string, path: string, payload?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...t.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('lists its tools and answers a developer key over every user, citing the records used', async () => {
    const client = await connect(t.headers);
    expect(client.getServerVersion()?.name).toBe('tributary');
    expect(client.getInstructions()).toMatch(/developer key/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'find_users',
      'summarize_activity',
      'summarize_sleep',
      'summarize_daily',
      'summarize_body',
      'summarize_nutrition',
      'summarize_menstruation',
      'get_record',
      'compare_periods',
    ]);
    expect(tools.find((tool) => tool.name === 'get_record')?.inputSchema.required).toEqual(['data_type', 'id']);

    const found = await call(client, 'find_users', { reference_id: 'alice' });
    expect(found.json.users).toEqual([expect.objectContaining({ user_id: user.userId, provider: 'UPLOAD' })]);
    expect((await call(client, 'find_users', {})).json).toMatchObject({ total: 2, page: 0, more: false });

    const summary = await call(client, 'summarize_activity', {
      user_id: user.userId,
      start_date: '2026-03-01',
      end_date: '2026-03-07',
    });
    expect(summary.isError).toBe(false);
    expect(summary.json).toMatchObject({
      user_id: user.userId,
      data_type: 'activity',
      period: { start_date: '2026-03-01', end_date: '2026-03-07', days: 7 },
      record_count: 2,
      metrics: {
        distance_meters: { unit: 'm', records: 2, total: 10000, per_day: 1428.57 },
        duration_seconds: { total: 5400 },
        avg_hr_bpm: { mean: 140, min: 140, max: 140 },
      },
    });
    expect(summary.json.records).toEqual([
      {
        data_type: 'activity',
        summary_id: 'run-1',
        provider: 'UPLOAD',
        start_time: '2026-03-01T08:00:00.000Z',
        end_time: '2026-03-01T08:30:00.000Z',
      },
      expect.objectContaining({ summary_id: 'run-2' }),
    ]);
    expect(summary.json.days.map((d: any) => d.date)).toEqual(['2026-03-01', '2026-03-02']);

    const missingUser = await call(client, 'summarize_activity', { start_date: '2026-03-01', end_date: '2026-03-07' });
    expect(missingUser).toMatchObject({ isError: true, text: expect.stringMatching(/user_id is required/) });
    const weight = await call(client, 'summarize_body', {
      user_id: user.userId,
      start_date: '2026-03-01',
      end_date: '2026-03-31',
    });
    expect(weight.json.metrics.weight_kg).toMatchObject({ mean: 69.5, first: 70, last: 69, records: 2 });
  });

  it('details one record with its samples downsampled to the requested resolution', async () => {
    const client = await connect(t.headers);
    const detail = await call(client, 'get_record', {
      user_id: user.userId,
      data_type: 'activity',
      id: 'run-1',
      resolution_seconds: 90,
    });
    expect(detail.json.citation).toMatchObject({ summary_id: 'run-1', provider: 'UPLOAD' });
    expect(detail.json.record.metadata.summary_id).toBe('run-1');
    expect(detail.json.record.heart_rate_data.detailed).toEqual({}); // samples moved out of the record
    // Samples at 0, 60 and 120 s: buckets [0, 90) and [90, 180).
    expect(detail.json.samples).toEqual([
      {
        path: 'heart_rate_data.detailed.hr_samples',
        original_count: 3,
        resolution_seconds: 90,
        points: [
          { timestamp: '2026-03-01T08:00:00.000Z', bpm: 123, samples: 2 },
          { timestamp: '2026-03-01T08:01:30.000Z', bpm: 132 },
        ],
      },
    ]);
    const missing = await call(client, 'get_record', { user_id: user.userId, data_type: 'activity', id: 'nope' });
    expect(missing).toMatchObject({ isError: true, text: expect.stringMatching(/no activity record "nope"/) });
  });

  it('compares two periods metric by metric', async () => {
    const client = await connect(t.headers);
    const compared = await call(client, 'compare_periods', {
      user_id: user.userId,
      data_type: 'activity',
      period_a: { start_date: '2026-03-01', end_date: '2026-03-07' },
      period_b: { start_date: '2026-03-08', end_date: '2026-03-14' },
    });
    expect(compared.json).toMatchObject({
      period_a: { start_date: '2026-03-01', record_count: 2 },
      period_b: { start_date: '2026-03-08', record_count: 1 },
      metrics: {
        duration_seconds: { compared: 'per_day', a: 771.43, b: 385.71, change: -385.72, change_percent: -50 },
        avg_hr_bpm: { compared: 'mean', a: 140, b: 140, change: 0, change_percent: 0 },
      },
    });
    expect(compared.json.records_b.map((r: any) => r.summary_id)).toEqual(['run-3']);
  });

  it('mints a scoped user grant, refuses calls outside it, and ends it at once on revocation', async () => {
    const created = await api('POST', '/v2/mcp/grants', {
      user_id: user.userId,
      data_types: ['activity'],
      start_date: '2026-03-01',
      end_date: '2026-03-05',
      expires_in: 3600,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^mcpg_/),
      token: expect.stringMatching(/^trb_mcp_/),
    });
    expect(Date.parse(created.body.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const { id, token } = created.body as { id: string; token: string };

    const client = await connect({ authorization: `Bearer ${token}` });
    expect(client.getInstructions()).toMatch(new RegExp(`user ${user.userId} only; data types: activity`));
    const inScope = await call(client, 'summarize_activity', { start_date: '2026-03-01', end_date: '2026-03-05' });
    expect(inScope.json).toMatchObject({ user_id: user.userId, record_count: 2 });

    const refusals = [
      [
        'summarize_activity',
        { start_date: '2026-03-01', end_date: '2026-03-31' },
        /this grant covers 2026-03-01 to 2026-03-05; the requested period 2026-03-01 to 2026-03-31 reaches outside it/,
      ],
      ['summarize_body', { start_date: '2026-03-01', end_date: '2026-03-05' }, /does not cover body data/],
      ['find_users', {}, /needs a developer key/],
      [
        'summarize_activity',
        { user_id: other.userId, start_date: '2026-03-01', end_date: '2026-03-05' },
        /covers user .* only/,
      ],
      ['get_record', { data_type: 'activity', id: 'run-3' }, /no activity record "run-3" within this grant/],
      ['summarize_activity', { start_date: 'yesterday', end_date: '2026-03-05' }, /start_date must be a date/],
      ['no_such_tool', {}, /unknown tool/],
    ] as const;
    for (const [name, args, message] of refusals) {
      const answer = await call(client, name, args);
      expect(answer, name).toMatchObject({ isError: true, text: expect.stringMatching(message) });
    }
    expect((await call(client, 'get_record', { data_type: 'activity', id: 'run-2' })).json.citation.summary_id).toBe(
      'run-2',
    );

    const listed = await api('GET', `/v2/mcp/grants?user_id=${user.userId}`);
    expect(listed.body.grants).toContainEqual(
      expect.objectContaining({
        id,
        status: 'active',
        created_via: 'api',
        data_types: ['activity'],
        start_date: '2026-03-01',
        end_date: '2026-03-05',
      }),
    );
    expect(JSON.stringify(listed.body)).not.toContain(token);

    expect(await api('DELETE', `/v2/mcp/grants/${id}`)).toMatchObject({ status: 200, body: { id, status: 'revoked' } });
    // The same client, already connected: its next request is refused.
    await expect(client.callTool({ name: 'summarize_activity', arguments: {} })).rejects.toThrow(
      /the grant token is unknown, expired or revoked/,
    );
    expect((await api('DELETE', '/v2/mcp/grants/mcpg_unknown')).status).toBe(404);

    const audit = await api('GET', `/v2/mcp/audit?grant_id=${id}`);
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as any[];
    expect(entries).toHaveLength(refusals.length + 2);
    expect(entries.at(-1)).toMatchObject({
      actor: 'grant',
      grant_id: id,
      tool: 'summarize_activity',
      user_id: user.userId,
      start: '2026-03-01T00:00:00.000Z',
      end: '2026-03-06T00:00:00.000Z',
      record_count: 2,
      outcome: 'ok',
    });
    expect(entries.filter((e) => e.outcome === 'refused')).toHaveLength(refusals.length);
    expect(entries.find((e) => e.tool === 'summarize_body')).toMatchObject({
      outcome: 'refused',
      user_id: user.userId,
    });
    const byUser = await api('GET', `/v2/mcp/audit?user_id=${other.userId}`);
    expect(byUser.body.entries).toEqual([
      expect.objectContaining({ tool: 'summarize_activity', grant_id: id, outcome: 'refused' }),
    ]);
  });

  it('lets the end user approve a grant on the hosted consent page, once, or deny it', async () => {
    const asked = await api('POST', '/v2/mcp/consents', {
      user_id: user.userId,
      data_types: ['body'],
      end_date: '2026-03-31',
      expires_in: 7 * 86_400,
      redirect_url: 'https://app.example/done',
    });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({
      status: 'pending',
      data_types: ['body'],
      start_date: null,
      end_date: '2026-03-31',
    });
    const url = asked.body.url as string;
    expect(url).toMatch(new RegExp(`^${t.url}/mcp/consent/[\\w-]{43}$`));
    expect(JSON.stringify(await api('GET', '/v2/mcp/grants'))).toContain(`"id":"${asked.body.id}","status":"pending"`);

    const shown = await fetch(url);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('x-frame-options')).toBe('DENY');
    const html = await shown.text();
    expect(html).toContain('test developer');
    expect(html).toContain('alice');
    expect(html).toContain('dates up to 2026-03-31');
    expect(html).toContain('7 days');

    const decide = (target: string, decision: string) =>
      fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `decision=${decision}`,
      });
    expect((await decide(url, 'maybe')).status).toBe(400);
    const approved = await decide(url, 'approve');
    expect(approved.status).toBe(200);
    const page = await approved.text();
    const token = /trb_mcp_[\w-]{43}/.exec(page)?.[0];
    expect(token).toBeDefined();
    expect(page).toContain(`${t.url}/mcp`);
    expect(page).toContain(`https://app.example/done?grant_id=${asked.body.id}&amp;status=approved`);
    expect((await decide(url, 'approve')).status).toBe(410); // single use
    expect((await fetch(url)).status).toBe(410);

    const client = await connect({ authorization: `Bearer ${token}` });
    const weight = await call(client, 'summarize_body', { start_date: '2026-03-01', end_date: '2026-03-31' });
    expect(weight.json.metrics.weight_kg).toMatchObject({ mean: 69.5 });
    const tooLate = await call(client, 'summarize_body', { start_date: '2026-03-01', end_date: '2026-04-01' });
    expect(tooLate).toMatchObject({
      isError: true,
      text: expect.stringMatching(/this grant covers dates up to 2026-03-31/),
    });
    const grants = (await api('GET', `/v2/mcp/grants?user_id=${user.userId}`)).body.grants as any[];
    const grant = grants.find((g) => g.id === asked.body.id);
    expect(grant).toMatchObject({ status: 'active', created_via: 'consent' });
    expect(Date.parse(grant.expires_at) - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);

    const second = await api('POST', '/v2/mcp/consents', { user_id: user.userId });
    const denied = await decide(second.body.url, 'deny');
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain('Access denied');
    expect((await decide(second.body.url, 'approve')).status).toBe(410);
    expect((await api('GET', '/v2/mcp/grants')).body.grants).toContainEqual(
      expect.objectContaining({ id: second.body.id, status: 'denied', expires_at: null }),
    );
  });

  it('validates grant requests, naming the field, and keeps grants and the audit log to their developer', async () => {
    const bad = async (payload: unknown, parameter: string, message: RegExp) => {
      const answer = await api('POST', '/v2/mcp/grants', payload);
      expect(answer, JSON.stringify(payload)).toMatchObject({ status: 400, body: { parameter } });
      expect(answer.body.message).toMatch(message);
    };
    await bad({}, 'user_id', /user_id is required/);
    await bad({ user_id: user.userId, data_type: ['sleep'] }, 'data_type', /unknown body field 'data_type'/);
    await bad({ user_id: user.userId, data_types: ['sleep', 'steps'] }, 'data_types', /"steps"; each must be one of/);
    await bad({ user_id: user.userId, data_types: [] }, 'data_types', /non-empty list/);
    await bad({ user_id: user.userId, expires_in: 10 }, 'expires_in', /from 60 to 31536000/);
    await bad({ user_id: user.userId, start_date: '2026-02-30' }, 'start_date', /YYYY-MM-DD/);
    await bad({ user_id: user.userId, start_date: '2026-03-05', end_date: '2026-03-01' }, 'end_date', /before/);
    expect((await api('POST', '/v2/mcp/grants', { user_id: 'nobody' })).status).toBe(404);
    const consent = await api('POST', '/v2/mcp/consents', {
      user_id: user.userId,
      redirect_url: 'javascript:alert(1)',
    });
    expect(consent).toMatchObject({ status: 400, body: { parameter: 'redirect_url' } });

    // Another developer sees none of it and cannot revoke it, nor mint a grant to this user.
    const created = await api('POST', '/v2/mcp/grants', { user_id: user.userId });
    const stranger = await t.otherDeveloper();
    const as = async (method: string, path: string, payload?: unknown) => {
      const response = await fetch(`${t.url}${path}`, {
        method,
        headers: { ...stranger.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    expect((await as('GET', '/v2/mcp/grants')).body).toEqual({ grants: [] });
    expect((await as('GET', '/v2/mcp/audit')).body).toEqual({ entries: [], cursor: null });
    expect((await as('DELETE', `/v2/mcp/grants/${created.body.id}`)).status).toBe(404);
    expect((await as('POST', '/v2/mcp/grants', { user_id: user.userId })).status).toBe(404);
    const strangerClient = await connect(stranger.headers);
    const refused = await call(strangerClient, 'summarize_activity', {
      user_id: user.userId,
      start_date: '2026-03-01',
      end_date: '2026-03-07',
    });
    expect(refused).toMatchObject({ isError: true, text: `user ${user.userId} not found` });

    // The audit log pages newest first with a cursor.
    const first = await api('GET', '/v2/mcp/audit?limit=1');
    expect(first.body.entries).toHaveLength(1);
    const next = await api('GET', `/v2/mcp/audit?limit=1&cursor=${first.body.cursor}`);
    expect(next.body.entries[0].id).not.toBe(first.body.entries[0].id);
    expect(Date.parse(next.body.entries[0].created_at)).toBeLessThanOrEqual(
      Date.parse(first.body.entries[0].created_at),
    );
    expect((await api('GET', '/v2/mcp/audit?cursor=nope')).body).toMatchObject({ parameter: 'cursor' });
  });

  it('refuses /mcp without valid credentials, with a JSON 401, and answers GET with 405', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer trb_mcp_not-a-token' },
      { authorization: 'Basic abc' },
      { 'dev-id': t.devId, 'x-api-key': 'wrong' },
    ]) {
      const response = await post(headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(((await response.json()) as any).message).toEqual(expect.any(String));
    }
    const ok = await post(t.headers);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).result.serverInfo.name).toBe('tributary');
    const get = await fetch(`${t.url}/mcp`, { headers: { ...t.headers, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
