import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileSubscriptions } from '../../src/ingest/subscriptions.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import type { OuraEmulator } from '../emulators/oura/oura-emulator.ts';
import { ouraEnv, startOura } from './helpers.ts';

/** Oura webhook subscriptions: created when configured, verified through our endpoint, renewed before expiry. */
describe.each(ENGINES)('Oura subscriptions (%s)', (engine) => {
  let oura: OuraEmulator;
  let t: TestApp;

  beforeAll(async () => {
    ({ oura } = await startOura());
    t = await startTestApp(
      engine,
      `oura-subscriptions-${engine}`,
      ouraEnv(oura, { TRIBUTARY_PROVIDER_OURA_WEBHOOK_VERIFICATION_TOKEN: 'subscription-token' }),
    );
  });
  afterAll(async () => {
    await t?.close();
    await oura?.close();
  });

  const reconcile = () =>
    // The worker's own first pass (started before the test knew its port) may hold the lease briefly.
    eventually(
      () => reconcileSubscriptions(t.app.store, t.app.context.providers.get('OURA')!, t.app.config.publicUrl),
      20_000,
      'subscription lease',
    );

  it('creates one verified subscription per data type and event type, at our webhook URL', async () => {
    const result = await reconcile();
    expect(result.callbackUrl).toBe(`${t.app.config.publicUrl}/providers/oura/webhook`);
    expect(result.created).toBe(21);
    const atOura = [...oura.subscriptions.values()];
    expect(atOura).toHaveLength(21);
    expect(new Set(atOura.map((s) => `${s.data_type}/${s.event_type}`)).size).toBe(21);
    expect(
      atOura.every((s) => s.callback_url === result.callbackUrl && s.verification_token === 'subscription-token'),
    ).toBe(true);
  });

  it('GET /v2/providers/subscriptions shows them as Oura reports them (developer key required)', async () => {
    const answer = await fetch(`${t.url}/v2/providers/subscriptions`, { headers: t.headers });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      providers: { provider: string; callback_url: string; wanted: number; subscriptions: Record<string, unknown>[] }[];
    };
    expect(body.providers).toHaveLength(1);
    const [oura0] = body.providers;
    expect(oura0).toMatchObject({
      provider: 'OURA',
      callback_url: `${t.app.config.publicUrl}/providers/oura/webhook`,
      wanted: 21,
    });
    expect(oura0!.subscriptions).toHaveLength(21);
    const one = [...oura.subscriptions.values()][0]!;
    expect(oura0!.subscriptions).toContainEqual({
      id: one.id,
      data_type: one.data_type,
      event_type: one.event_type,
      callback_url: one.callback_url,
      expires_at: one.expiration_time,
      ours: true,
    });
    expect((await fetch(`${t.url}/v2/providers/subscriptions`)).status).toBe(401);
  });

  it('a second pass changes nothing', async () => {
    const result = await reconcile();
    expect(result).toMatchObject({ created: 0, renewed: 0 });
    expect(result.subscriptions).toHaveLength(21);
  });

  it('renews a subscription that expires within a week, and only that one', async () => {
    const soon = [...oura.subscriptions.values()][3]!;
    soon.expiration_time = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const result = await reconcile();
    expect(result).toMatchObject({ created: 0, renewed: 1 });
    expect(Date.parse(oura.subscriptions.get(soon.id)!.expiration_time)).toBeGreaterThan(Date.now() + 80 * 86_400_000);
  });

  it('recreates a subscription Oura dropped', async () => {
    const dropped = [...oura.subscriptions.values()][0]!;
    oura.subscriptions.delete(dropped.id);
    expect(await reconcile()).toMatchObject({ created: 1, renewed: 0 });
    expect(oura.subscriptions.size).toBe(21);
  });

  it('two processes reconciling at once: one does it, the other stands back', async () => {
    oura.subscriptions.clear();
    const provider = t.app.context.providers.get('OURA')!;
    const results = await Promise.all(
      [1, 2].map(() => reconcileSubscriptions(t.app.store, provider, t.app.config.publicUrl)),
    );
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(oura.subscriptions.size).toBe(21);
  });

  it('`tributary subscriptions --json` shows them as Oura reports them', { timeout: 60_000 }, async () => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env))
      if (!key.startsWith('TRIBUTARY_') && value !== undefined) env[key] = value;
    Object.assign(env, ouraEnv(oura, { TRIBUTARY_PROVIDER_OURA_WEBHOOK_VERIFICATION_TOKEN: 'subscription-token' }), {
      TRIBUTARY_PUBLIC_URL: t.app.config.publicUrl,
    });
    const script =
      "import('./src/cli/main.ts').then((m) => m.main(['subscriptions', '--json'])).then((code) => process.exit(code))";
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--eval', script], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', fail);
      child.on('close', (exit) => done({ code: exit, stdout: out }));
    });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as {
      providers: { provider: string; callback_url: string; subscriptions: unknown[] }[];
    };
    expect(printed.providers).toHaveLength(1);
    expect(printed.providers[0]).toMatchObject({
      provider: 'OURA',
      callback_url: `${t.app.config.publicUrl}/providers/oura/webhook`,
    });
    expect(printed.providers[0]!.subscriptions).toHaveLength(21);
  });
});
