/**
 * Start-up of the compiled CLI (dist/, as `npm start` and the installed package run it):
 *   - `tributary --version` and `tributary help`: process start to exit (target < 0.5 s);
 *   - `tributary start` on the embedded default: process start to the first 200 on /health
 *     (target < 2 s).
 * Baseline, same run: `node -e 0` (a bare Node process). Median of ROUNDS runs each.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 5);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/tributary.js');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

function timeRun(args: string[]): number {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}`);
  return performance.now() - t0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/** Spawns `tributary start` on a fresh embedded store; ms until /health first answers 200. */
async function timeToHealth(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-startup-'));
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: { ...process.env, TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_PORT: String(port), TRIBUTARY_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tributary start exited ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) return performance.now() - t0;
      await new Promise((next) => setTimeout(next, 10));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((exited) => (child.exitCode === null ? child.once('exit', exited) : exited(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function startup(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.js'), '--quiet'], { stdio: 'inherit' });
  const bare: number[] = [];
  const version: number[] = [];
  const help: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(timeRun(['-e', '0']));
    version.push(timeRun([BIN, '--version']));
    help.push(timeRun([BIN, 'help']));
    health.push(await timeToHealth());
  }
  console.log(`node -e 0 (baseline)            ${seconds(median(bare))}`);
  console.log(`tributary --version             ${seconds(median(version))}  (target < 0.5 s)`);
  console.log(`tributary help                  ${seconds(median(help))}  (target < 0.5 s)`);
  console.log(`tributary start → /health 200   ${seconds(median(health))}  (target < 2 s, embedded store)`);
  console.log(`median of ${ROUNDS} runs each; CLI ratio to bare node: ${(median(version) / median(bare)).toFixed(2)}×`);
}
