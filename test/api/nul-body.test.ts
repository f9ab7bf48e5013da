import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nulPath } from '../../src/api/server.ts';
import type { User } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { call } from './client.ts';
import { activity } from './records.ts';

describe('nulPath', () => {
  it('names the first string or key holding a NUL, and ignores buffers', () => {
    expect(nulPath({ data: [{ metadata: { name: 'ok' } }, { metadata: { name: 'a\u0000b' } }] })).toBe(
      'data.1.metadata.name',
    );
    expect(nulPath({ 'k\u0000': 1 })).toBe('k\u0000');
    expect(nulPath('x\u0000')).toBe('');
    expect(nulPath({ data: [1, true, null, 'fine'] })).toBeUndefined();
    expect(nulPath(Buffer.from([0, 0, 0]))).toBeUndefined();
  });
});

// PostgreSQL cannot store a NUL in text; SQLite can. Both engines must answer the same clear 400.
describe.each(ENGINES)('a NUL character in a JSON body (%s)', (engine) => {
  let t: TestApp;
  let user: User;

  beforeAll(async () => {
    t = await startTestApp(engine, `nul-body-${engine}`);
    user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is refused with a 400 naming the field, and nothing is stored', async () => {
    const record = activity('nul-1', '2026-03-01T08:00:00.000Z');
    (record.metadata as Record<string, unknown>).name = 'Morning\u0000run';
    const { status, body } = await call(t, 'POST', `/v2/activity?user_id=${user.userId}`, { body: { data: [record] } });
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'error', code: 'bad_request', parameter: 'data.0.metadata.name' });
    expect(body.message).toContain('NUL');
    expect(await t.app.store.records.count(t.devId, user.userId)).toBe(0);
  });

  it('in a connect request names the field too', async () => {
    const { status, body } = await call(t, 'POST', '/v2/auth/generateWidgetSession', {
      body: { reference_id: 'a\u0000b' },
    });
    expect(status).toBe(400);
    expect(body.parameter).toBe('reference_id');
  });
});
