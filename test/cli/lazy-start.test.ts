import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markEngineUsed, tempDir } from '../helpers/engines.ts';

const BIN = resolve(import.meta.dirname, '../../bin/tributary.js');
const TRACE_HOOK = resolve(import.meta.dirname, '../helpers/trace-packages.mjs');

/**
 * Start-up loads only what serving needs (issue 11 item 4; the time is measured by
 * `npm run bench -- startup`, never asserted here): the Redis queue, the MCP SDK, the
 * dashboard's bundler and every destination's SDK are imported on first use, so
 * `tributary start` on the embedded default never loads them.
 */
const DESTINATION_SDKS = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sqs',
  '@azure/storage-blob',
  '@google-cloud/storage',
  '@google-cloud/firestore',
  'mongodb',
  'kafkajs',
  'pg',
  'mysql2',
];
const NOT_AT_START = ['bullmq', 'ioredis', '@modelcontextprotocol/sdk', 'esbuild', ...DESTINATION_SDKS];

/** Runs `tributary …` to its end with the server's environment; its stdout. */
function tributary(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(out) : fail(new Error(`tributary ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

describe('tributary start on the embedded default', { timeout: 120_000 }, () => {
  const dir = tempDir('tributary-lazy-start-');
  const trace = join(dir, 'packages.txt');
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TRIBUTARY_'))),
    TRIBUTARY_DATA_DIR: join(dir, 'data'),
    TRIBUTARY_PORT: '0',
    TRIBUTARY_LOG_LEVEL: 'silent',
  };
  const start = () =>
    spawn(process.execPath, ['--import', TRACE_HOOK, BIN, 'start'], {
      env: { ...env, TRIBUTARY_TRACE_PACKAGES: trace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let child: ReturnType<typeof start> | undefined;
  afterAll(async () => {
    const server = child;
    if (server && server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const loaded = () => new Set(existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : []);

  it('serves /health without loading BullMQ/ioredis, the MCP SDK, esbuild or any destination SDK', async () => {
    markEngineUsed('sqlite');
    const server = (child = start());
    const url = await new Promise<string>((done, fail) => {
      let out = '';
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) done(match[1]!);
      });
      server.on('close', (code) => fail(new Error(`tributary start exited ${code}: ${out}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const atStart = loaded();
    // The trace works: what start-up does need is in it.
    expect(atStart).toContain('fastify');
    expect(atStart).toContain('better-sqlite3');
    expect(NOT_AT_START.filter((name) => atStart.has(name))).toEqual([]);

    // First use loads the library: the dashboard's script is bundled by esbuild on request.
    const script = await fetch(`${url}/dashboard/assets/dashboard.js`);
    expect(script.status).toBe(200);
    expect(loaded()).toContain('esbuild');

    // The destination types are listed (schemas, docs) from the light definitions alone…
    const { dev_id: devId, api_key: apiKey } = JSON.parse(
      await tributary(['developers', 'create', '--name', 'Lazy', '--json'], env),
    ) as { dev_id: string; api_key: string };
    const headers = { 'dev-id': devId, 'x-api-key': apiKey, 'content-type': 'application/json' };
    const types = await fetch(`${url}/v2/destination-types`, { headers });
    expect(types.status).toBe(200);
    expect(JSON.stringify(await types.json())).toContain('"s3"');
    expect(DESTINATION_SDKS.filter((name) => loaded().has(name))).toEqual([]);

    // …and a type's SDK loads when it is first used: creating an S3 destination checks the
    // bucket with the AWS SDK (here a closed port, so the check fails with a 400 and the reason).
    const created = await fetch(`${url}/v2/destinations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        type: 's3',
        bucket: 'lazy-bucket',
        region: 'us-east-1',
        access_key_id: 'AKIDLAZY',
        secret_access_key: 'secret',
        endpoint: 'http://127.0.0.1:9',
      }),
    });
    expect(created.status).toBe(400);
    const now = loaded();
    expect(now).toContain('@aws-sdk/client-s3');
    expect(DESTINATION_SDKS.filter((name) => name !== '@aws-sdk/client-s3' && now.has(name))).toEqual([]);
  });
});
