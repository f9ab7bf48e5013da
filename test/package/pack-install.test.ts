import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/engines.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/** A free port on 127.0.0.1 (the OS picks it, then it is released for the server). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/**
 * The published package: `npm pack`, installed into an empty folder from the tarball (offline
 * where the npm cache has the dependencies: --prefer-offline), then `npx tributary start`
 * serves /health. The install compiles better-sqlite3 and takes minutes on a busy machine:
 * its budget follows that work, and the file runs alone (vitest.config.ts, heavy project).
 */
describe('npm pack → install in an empty folder → npx tributary start', () => {
  const dir = tempDir('tributary-pack-');
  let server: ChildProcess | undefined;
  // Removing the installed tree (hundreds of packages) takes a while on a busy machine: async, own budget.
  afterAll(async () => {
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }, 10 * 60_000);

  it('installs without engine warnings and serves /health', { timeout: 30 * 60_000 }, async () => {
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^tributary-\d+\.\d+\.\d+\.tgz$/);
    const app = join(dir, 'app');
    const data = join(dir, 'data');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'empty', private: true }));
    const install = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn', join('..', tarball)],
      { cwd: app, maxBuffer: 64 << 20 },
    );
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/EBADENGINE/);

    const port = await freePort();
    server = spawn('npx', ['--no-install', 'tributary', 'start'], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TRIBUTARY_PORT: String(port),
        TRIBUTARY_DATA_DIR: data,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Ready when it prints its URL (no polling interval to tune); an early exit fails at once.
    await new Promise<void>((ready, fail) => {
      server!.stdout!.on('data', () => output.includes('Tributary is running at') && ready());
      server!.on('exit', (code) => fail(new Error(`tributary start exited ${code}: ${output}`)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: { status: 'ok' }, queue: { status: 'ok' } });
  });
});
