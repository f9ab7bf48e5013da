import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTributary, type Tributary } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { BIN, cliEnv as childEnv, tributary as runCli } from '../helpers/cli.ts';
import { markEngineUsed, tempDir } from '../helpers/engines.ts';

/** Runs the CLI with the test's environment minus TRIBUTARY_*, plus `env`; killed after 60 s. */
const tributary = (args: string[], env: Record<string, string>) => runCli(args, env, { killAfterMs: 60_000 });

// Each test spawns Node processes that load the compiled CLI: allow for a busy CI box.
describe('tributary CLI (embedded store, second process beside a running server)', { timeout: 90_000 }, () => {
  let dataDir: string;
  let server: Tributary;
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    markEngineUsed('sqlite');
    dataDir = tempDir('tributary-cli-');
    env = { TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_LOG_LEVEL: 'silent' };
    // The server generates the encryption key into the data dir; the CLI must find it there.
    const config = loadConfig({ ...env, TRIBUTARY_PORT: '0' });
    server = await createTributary(config, { logger: createLogger('silent') });
    url = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('developers create --name X --json prints one JSON line with dev_id and api_key that the running server accepts', async () => {
    const run = await tributary(['developers', 'create', '--name', 'Acme Fitness', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const created = JSON.parse(lines[0]!);
    expect(Object.keys(created).sort()).toEqual(['api_key', 'dev_id']);
    expect(created.dev_id).toEqual(expect.any(String));
    expect(created.api_key.length).toBeGreaterThanOrEqual(20);

    const authed = await fetch(`${url}/v2/subscriptions`, {
      headers: { 'dev-id': created.dev_id, 'x-api-key': created.api_key },
    });
    expect(authed.status).toBe(200);
    expect(await authed.json()).toEqual({ users: [] });
    const wrong = await fetch(`${url}/v2/subscriptions`, {
      headers: { 'dev-id': created.dev_id, 'x-api-key': created.api_key + 'x' },
    });
    expect(wrong.status).toBe(401);
  });

  it('the embedded start generated the encryption key into the data dir, readable by its owner only', () => {
    const key = join(dataDir, 'encryption.key');
    expect(readFileSync(key, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('developers create without --json prints the id and key for a person', async () => {
    const run = await tributary(['developers', 'create', '--name', 'Beta'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/dev-id:\s+\S+/);
    expect(run.stdout).toMatch(/x-api-key:\s+\S+/);
  });

  it('developers list shows developers created by the CLI and by the server process', async () => {
    await server.store.developers.create({ name: 'Made by the server' });
    const run = await tributary(['developers', 'list'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Acme Fitness');
    expect(run.stdout).toContain('Beta');
    expect(run.stdout).toContain('Made by the server');
    const json = await tributary(['developers', 'list', '--json'], env);
    const listed = JSON.parse(json.stdout.trim()) as Array<{ dev_id: string; name: string }>;
    expect(listed.map((d) => d.name)).toEqual(expect.arrayContaining(['Acme Fitness', 'Beta', 'Made by the server']));
    expect(JSON.stringify(listed)).not.toContain('api_key');
  });

  it('developers create without --name exits 2 with usage on stderr', async () => {
    const run = await tributary(['developers', 'create'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--name');
  });

  it('keys create|list|revoke manage named keys that the running server honours at once', async () => {
    const { developer, apiKey } = await server.store.developers.create({ name: 'Keys' });
    const created = await tributary(['keys', 'create', '--dev-id', developer.devId, '--name', 'ci', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout.trim()) as { id: string; name: string; key: string };
    expect(key.name).toBe('ci');
    const headers = { 'dev-id': developer.devId, 'x-api-key': key.key };
    expect((await fetch(`${url}/v2/subscriptions`, { headers })).status).toBe(200);

    const listed = await tributary(['keys', 'list', '--dev-id', developer.devId], env);
    expect(listed.stdout).toContain('default');
    expect(listed.stdout).toContain(`${key.id}  ci  …${key.key.slice(-4)}`);
    expect(listed.stdout).not.toContain(key.key);

    // (rotate is the same store call as POST /v2/keys/{id}/rotate, covered in test/api/keys.test.ts)
    const revoked = await tributary(['keys', 'revoke', '--dev-id', developer.devId, key.id], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('revoked');
    expect((await fetch(`${url}/v2/subscriptions`, { headers })).status).toBe(401);

    const [defaultKey] = await server.store.apiKeys.list(developer.devId);
    const last = await tributary(['keys', 'revoke', '--dev-id', developer.devId, defaultKey!.keyId], env);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last API key');
    const still = { 'dev-id': developer.devId, 'x-api-key': apiKey };
    expect((await fetch(`${url}/v2/subscriptions`, { headers: still })).status).toBe(200);
  });

  it('an invalid variable stops start-up with exit 1 and one line naming it, no stack trace', async () => {
    // Every variable's validation is covered in src/core/config.test.ts; this proves the CLI path.
    const run = await tributary(['start'], { ...env, TRIBUTARY_PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TRIBUTARY_PORT');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('start serves /health on the configured port and prints its URL', async () => {
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: childEnv({ ...env, TRIBUTARY_DATA_DIR: join(dataDir, 'second'), TRIBUTARY_PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const printed = await new Promise<string>((done, fail) => {
        let out = '';
        const timer = setTimeout(() => fail(new Error(`no URL printed; got ${out}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            done(match[1]!);
          }
        });
        child.on('close', (code) => fail(new Error(`exited ${code}`)));
      });
      const health = await fetch(`${printed}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', store: { status: 'ok' } });
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
