import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IfitClient } from '../../src/providers/ifit/ifit-client.ts';
import { TributaryError } from '../../src/core/errors.ts';
import { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';

/** The iFit client against the local emulator: the transport rules of ifit-api.md. */
describe('IfitClient against the iFit emulator', () => {
  const emulator = new IfitEmulator({ accessTokenSeconds: 3600 });
  const account = emulator.addAccount({ username: 'ada@example.com', password: 'correct horse' });
  let client: IfitClient;

  beforeAll(async () => {
    const url = await emulator.start();
    client = new IfitClient({
      baseUrl: url,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      retryBaseMs: 20,
    });
    emulator.addHistory(account.id, 10, 12);
  });
  afterAll(() => emulator.close());

  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TributaryError);
    return error as TributaryError;
  };

  it('logs in with the password grant and reads /v1/me', async () => {
    const tokens = await client.passwordGrant('ada@example.com', 'correct horse');
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect((await client.me(tokens.access_token)).id).toBe(account.id);
  });

  it('reports wrong credentials as provider_auth_failed / invalid_credentials', async () => {
    const error = await rejection(client.passwordGrant('ada@example.com', 'wrong'));
    expect(error.code).toBe('provider_auth_failed');
    expect(error.details.reason).toBe('invalid_credentials');
  });

  it('rejects a wrong client secret with a message naming the variables', async () => {
    const bad = new IfitClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: 'nope' });
    const error = await rejection(bad.passwordGrant('ada@example.com', 'correct horse'));
    expect(error.code).toBe('provider_error');
    expect(error.message).toContain('TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET');
  });

  it('rotates refresh tokens: the old one is then invalid_grant', async () => {
    const first = await client.passwordGrant('ada@example.com', 'correct horse');
    const second = await client.refreshGrant(first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const error = await rejection(client.refreshGrant(first.refresh_token!));
    expect(error.details.reason).toBe('invalid_grant');
    await expect(client.me(second.access_token)).resolves.toMatchObject({ id: account.id });
  });

  it('surfaces an expired access token as access_token_rejected', async () => {
    const tokens = await client.passwordGrant('ada@example.com', 'correct horse');
    emulator.expireAccessTokens(account.id);
    const error = await rejection(client.me(tokens.access_token));
    expect(error.details.reason).toBe('access_token_rejected');
  });

  it('pages newest first and filters with after', async () => {
    const { access_token: token } = await client.passwordGrant('ada@example.com', 'correct horse');
    const all = emulator.logs(account.id);
    const page1 = await client.activityLogs(token, { page: 1, perPage: 5 });
    const page2 = await client.activityLogs(token, { page: 2, perPage: 5 });
    expect(page1).toHaveLength(5);
    expect(page1[0]!.start).toBeGreaterThan(page1[4]!.start);
    expect(page2[0]!.start).toBeLessThan(page1[4]!.start);
    expect((page1[0] as Record<string, unknown>).stats).toBeUndefined();
    const cut = [...all].sort((a, b) => a.start - b.start)[all.length - 3]!.start;
    const recent = await client.activityLogs(token, { page: 1, perPage: 100, after: cut });
    expect(recent.map((log) => log.start).every((start) => start > cut)).toBe(true);
    expect(recent).toHaveLength(2);
    expect(await client.activityLogs(token, { page: 99, perPage: 100 })).toEqual([]);
    const detail = await client.activityLog(token, page1[0]!.id);
    expect(detail.value.stats).toBeTypeOf('object');
    expect(JSON.parse(detail.text).id).toBe(page1[0]!.id);
  });

  it('waits out a 429 for its Retry-After, then succeeds', async () => {
    const { access_token: token } = await client.passwordGrant('ada@example.com', 'correct horse');
    emulator.failNext({ method: 'GET', path: '/v1/me' }, { status: 429, headers: { 'retry-after': '1' } });
    const before = emulator.requests.length;
    await expect(client.me(token)).resolves.toMatchObject({ id: account.id });
    const [limited, retried] = emulator.requests.slice(before);
    expect(limited!.status).toBe(429);
    expect(retried!.status).toBe(200);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('does not wait in-line for a long Retry-After: rate_limited with the delay', async () => {
    const { access_token: token } = await client.passwordGrant('ada@example.com', 'correct horse');
    emulator.failNext({ method: 'GET', path: '/v1/me' }, { status: 429, headers: { 'retry-after': '3600' } });
    const error = await rejection(client.me(token));
    expect(error.code).toBe('rate_limited');
    expect(error.details.retry_after_seconds).toBe(3600);
  });

  it('retries 5xx with backoff and gives up after maxRetries', async () => {
    const { access_token: token } = await client.passwordGrant('ada@example.com', 'correct horse');
    emulator.failNext({ path: '/v1/me' }, { status: 503, times: 2 });
    await expect(client.me(token)).resolves.toMatchObject({ id: account.id });
    emulator.failNext({ path: '/v1/me' }, { status: 502, times: 4 });
    const before = emulator.requests.length;
    const error = await rejection(client.me(token));
    expect(error.code).toBe('provider_error');
    expect(error.details).toMatchObject({ status: 502, transient: true });
    expect(emulator.requests.length - before).toBe(4);
  });

  it('returns undefined for an unknown library workout', async () => {
    const { access_token: token } = await client.passwordGrant('ada@example.com', 'correct horse');
    expect(await client.workout(token, 'ffffffffffffffffffffffff')).toBeUndefined();
  });
});
