import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestStore, type TestStore } from '../helpers/engines.ts';

/** The Store contract of the MCP server's grants and audit log (migration 0170), on both engines. */
describe.each(ENGINES)('Store contract: MCP grants and audit (%s)', (engine) => {
  let t: TestStore;
  let devId: string;
  let otherDevId: string;
  let userId: string;
  beforeEach(async (context) => {
    t = await openTestStore(engine, context.task.name);
    devId = (await t.store.developers.create({ name: 'A' })).developer.devId;
    otherDevId = (await t.store.developers.create({ name: 'B' })).developer.devId;
    userId = (await t.store.users.create(devId, { provider: 'UPLOAD' })).userId;
  });
  afterEach(async () => {
    await t.close();
  });

  const scope = (extra: Record<string, unknown> = {}) => ({
    userId,
    dataTypes: ['sleep', 'activity'] as ('sleep' | 'activity')[],
    startMs: Date.UTC(2026, 0, 1),
    endMs: Date.UTC(2026, 1, 1),
    expiresInSeconds: 3600,
    ...extra,
  });

  it('stores a grant with its token hashed, authenticates the token, and scopes reads to the developer', async () => {
    const now = Date.UTC(2026, 5, 1);
    const { grant, token } = await t.store.mcpGrants.create(devId, scope(), now);
    expect(token).toMatch(/^trb_mcp_[\w-]{43}$/);
    expect(grant).toMatchObject({
      devId,
      userId,
      status: 'active',
      createdVia: 'api',
      dataTypes: ['sleep', 'activity'],
      startMs: Date.UTC(2026, 0, 1),
      endMs: Date.UTC(2026, 1, 1),
      expiresMs: now + 3_600_000,
    });
    const row = await (
      await t.sql()
    ).get<{ token_hash: string }>('SELECT token_hash FROM mcp_grants WHERE grant_id = ?', [grant.grantId]);
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token.slice(8));

    expect(await t.store.mcpGrants.authenticate(token, now + 1000)).toEqual(grant);
    expect(await t.store.mcpGrants.authenticate(token + 'x', now)).toBeUndefined();
    expect(await t.store.mcpGrants.authenticate(token, now + 3_600_000)).toBeUndefined(); // expired
    expect(await t.store.mcpGrants.get(otherDevId, grant.grantId)).toBeUndefined();
    expect(await t.store.mcpGrants.list(otherDevId)).toEqual([]);
    expect((await t.store.mcpGrants.list(devId, { userId })).map((g) => g.grantId)).toEqual([grant.grantId]);
    expect(await t.store.mcpGrants.list(devId, { userId: 'someone-else' })).toEqual([]);
  });

  it('revokes at once, only for the owning developer', async () => {
    const { grant, token } = await t.store.mcpGrants.create(devId, scope({ dataTypes: null, startMs: null }));
    expect(grant).toMatchObject({ dataTypes: null, startMs: null });
    expect(await t.store.mcpGrants.revoke(otherDevId, grant.grantId)).toBeUndefined();
    expect(await t.store.mcpGrants.authenticate(token)).toBeDefined();
    const revoked = await t.store.mcpGrants.revoke(devId, grant.grantId);
    expect(revoked).toMatchObject({ status: 'revoked' });
    expect(revoked?.revokedAt).toMatch(/^\d{4}-/);
    expect(await t.store.mcpGrants.authenticate(token)).toBeUndefined();
    // Revoking twice keeps the first revocation.
    expect(await t.store.mcpGrants.revoke(devId, grant.grantId)).toEqual(revoked);
  });

  it('approves a pending consent grant once, within the link lifetime, and denies another', async () => {
    const now = Date.now();
    const { grant, secret } = await t.store.mcpGrants.createPending(devId, {
      ...scope(),
      consentExpiresMs: now + 60_000,
      redirectUrl: 'https://app.example/back',
    });
    expect(grant).toMatchObject({ status: 'pending', createdVia: 'consent', expiresMs: null });
    expect(await t.store.mcpGrants.byConsentSecret(secret)).toEqual(grant);
    expect(await t.store.mcpGrants.approve(secret, now + 60_000)).toBeUndefined(); // link expired
    const approved = await t.store.mcpGrants.approve(secret, now);
    expect(approved?.grant).toMatchObject({ status: 'active', expiresMs: now + 3_600_000 });
    expect(await t.store.mcpGrants.authenticate(approved!.token, now)).toMatchObject({ grantId: grant.grantId });
    expect(await t.store.mcpGrants.approve(secret, now)).toBeUndefined(); // single use
    expect(await t.store.mcpGrants.byConsentSecret(secret)).toBeUndefined();

    const other = await t.store.mcpGrants.createPending(devId, {
      ...scope(),
      consentExpiresMs: now + 60_000,
      redirectUrl: null,
    });
    expect(await t.store.mcpGrants.deny(other.secret)).toMatchObject({ status: 'denied' });
    expect(await t.store.mcpGrants.approve(other.secret, now)).toBeUndefined();
  });

  it('deletes a user’s grants with the user but keeps the audit log', async () => {
    const { token } = await t.store.mcpGrants.create(devId, scope());
    await t.store.mcpAudit.append(devId, {
      actor: 'grant',
      grantId: 'g',
      tool: 'summarize_sleep',
      userId,
      startMs: 1,
      endMs: 2,
      recordCount: 3,
      outcome: 'ok',
      message: null,
    });
    expect(await t.store.users.delete(devId, userId)).toBe(true);
    expect(await t.store.mcpGrants.authenticate(token)).toBeUndefined();
    expect(await t.store.mcpGrants.list(devId)).toEqual([]);
    expect(await t.store.mcpAudit.list(devId, { userId })).toHaveLength(1);
  });

  it('lists the audit log newest first, filtered by user and grant, in pages', async () => {
    const entry = (n: number, grantId: string | null) => ({
      actor: grantId ? ('grant' as const) : ('developer' as const),
      grantId,
      tool: `tool-${n}`,
      userId: n % 2 === 0 ? userId : 'other-user',
      startMs: Date.UTC(2026, 0, 1),
      endMs: Date.UTC(2026, 0, 8),
      recordCount: n,
      outcome: 'ok' as const,
      message: null,
    });
    for (let n = 0; n < 5; n++) await t.store.mcpAudit.append(devId, entry(n, n < 3 ? 'g1' : null));
    const all = await t.store.mcpAudit.list(devId);
    expect(all.map((e) => e.tool)).toEqual(['tool-4', 'tool-3', 'tool-2', 'tool-1', 'tool-0']);
    expect(all[0]).toMatchObject({
      devId,
      actor: 'developer',
      grantId: null,
      recordCount: 4,
      startMs: Date.UTC(2026, 0, 1),
    });
    expect((await t.store.mcpAudit.list(devId, { userId })).map((e) => e.tool)).toEqual(['tool-4', 'tool-2', 'tool-0']);
    expect((await t.store.mcpAudit.list(devId, { grantId: 'g1' })).map((e) => e.tool)).toEqual([
      'tool-2',
      'tool-1',
      'tool-0',
    ]);
    const page1 = await t.store.mcpAudit.list(devId, { limit: 2 });
    const last = page1.at(-1)!;
    const page2 = await t.store.mcpAudit.list(devId, { limit: 2, before: { ms: last.createdMs, id: last.auditId } });
    expect([...page1, ...page2].map((e) => e.tool)).toEqual(['tool-4', 'tool-3', 'tool-2', 'tool-1']);
    expect(await t.store.mcpAudit.list(otherDevId)).toEqual([]);
  });
});
