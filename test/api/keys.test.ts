import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

interface KeyAnswer {
  id: string;
  name: string;
  hint: string | null;
  created_at: string;
  rotated_at: string | null;
  last_used_at: string | null;
  current: boolean;
  key?: string;
}

describe.each(ENGINES)('API keys over /v2/keys (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, `keys-${engine}`);
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const as = (devId: string, key: string) => ({ 'dev-id': devId, 'x-api-key': key });

  it('creates a named key shown once, lists it with last use, rotates it and revokes it at once', async () => {
    const created = await call('POST', '/v2/keys', t.headers, { name: '  CI pipeline ' });
    expect(created.status).toBe(201);
    const ci = created.body as unknown as KeyAnswer;
    expect(ci).toMatchObject({ name: 'CI pipeline', current: false, last_used_at: null, rotated_at: null });
    expect(ci.key!.length).toBeGreaterThanOrEqual(40);
    expect(ci.hint).toBe(ci.key!.slice(-4));

    // The new key works; the list names the developer, marks the key in use and never shows a secret.
    const listed = await call('GET', '/v2/keys', as(t.devId, ci.key!));
    expect(listed.status).toBe(200);
    expect(listed.body.developer).toEqual({ dev_id: t.devId, name: 'test developer' });
    const keys = listed.body.keys as KeyAnswer[];
    expect(keys.map((k) => [k.name, k.current])).toEqual([
      ['default', false],
      ['CI pipeline', true],
    ]);
    expect(keys.find((k) => k.id === ci.id)?.last_used_at).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(ci.key!);
    expect(JSON.stringify(listed.body)).not.toContain(t.apiKey);

    const rotated = await call('POST', `/v2/keys/${ci.id}/rotate`, t.headers);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.body as unknown as KeyAnswer).key!;
    expect(fresh).not.toBe(ci.key);
    expect((await call('GET', '/v2/keys', as(t.devId, ci.key!))).status).toBe(401);
    expect((await call('GET', '/v2/subscriptions', as(t.devId, fresh))).status).toBe(200);

    const revoked = await call('DELETE', `/v2/keys/${ci.id}`, t.headers);
    expect(revoked).toEqual({ status: 200, body: { id: ci.id, status: 'revoked' } });
    const refused = await call('GET', '/v2/subscriptions', as(t.devId, fresh));
    expect(refused.status).toBe(401);
    expect(((await call('GET', '/v2/keys', t.headers)).body.keys as KeyAnswer[]).map((k) => k.name)).toEqual([
      'default',
    ]);
  });

  it('refuses to revoke the last key, and another developer’s key is unknown', async () => {
    const [only] = (await call('GET', '/v2/keys', t.headers)).body.keys as KeyAnswer[];
    const last = await call('DELETE', `/v2/keys/${only!.id}`, t.headers);
    expect(last.status).toBe(409);
    expect(String(last.body.message)).toContain('last API key');
    expect((await call('GET', '/v2/subscriptions', t.headers)).status).toBe(200);

    const other = await t.otherDeveloper();
    expect((await call('DELETE', `/v2/keys/${only!.id}`, other.headers)).status).toBe(404);
    expect((await call('POST', `/v2/keys/${only!.id}/rotate`, other.headers)).status).toBe(404);
    expect((await call('GET', '/v2/subscriptions', t.headers)).status).toBe(200);
  });

  it('answers a bad name with a 400 naming the field', async () => {
    for (const [body, parameter] of [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 7 }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'ok', scopes: [] }, 'scopes'],
      [['name'], 'body'],
    ] as const) {
      const answer = await call('POST', '/v2/keys', t.headers, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.parameter).toBe(parameter);
    }
    expect((await call('GET', '/v2/keys', { 'dev-id': t.devId })).status).toBe(401);
  });
});
