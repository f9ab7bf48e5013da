import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markEngineUsed, tempDir } from '../helpers/engines.ts';

const BIN = resolve(import.meta.dirname, '../../bin/tributary.js');
const TRACE_HOOK = resolve(import.meta.dirname, '../helpers/trace-packages.mjs');

/**
 * Start-up loads only what serving needs (issue 11 item 4; the time is measured by
 * `npm run bench -- startup`, never asserted here): the Redis queue, the MCP SDK and the
 * dashboard's bundler are imported on first use, so `tributary start` on the embedded default
 * never loads them.
 */
const NOT_AT_START = ['bullmq', 'ioredis', '@modelcontextprotocol/sdk', 'esbuild'];

describe('tributary start on the embedded default', { timeout: 120_000 }, () => {
  const dir = tempDir('tributary-lazy-start-');
  const trace = join(dir, 'packages.txt');
  const start = () =>
    spawn(process.execPath, ['--import', TRACE_HOOK, BIN, 'start'], {
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TRIBUTARY_'))),
        TRIBUTARY_DATA_DIR: join(dir, 'data'),
        TRIBUTARY_PORT: '0',
        TRIBUTARY_LOG_LEVEL: 'silent',
        TRIBUTARY_TRACE_PACKAGES: trace,
      },
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

  it('serves /health without loading BullMQ/ioredis, the MCP SDK or esbuild', async () => {
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
  });
});
