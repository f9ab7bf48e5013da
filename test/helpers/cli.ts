import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI as installed and `npm start` run it (compiled by `npm run build` / the test setup). */
export const BIN = resolve(import.meta.dirname, '../../bin/tributary.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /**
   * The environment the given variables are added to: `inherit` (default) is the test's own
   * without any `TRIBUTARY_*` variable, so only the settings a test passes count; `minimal` is
   * PATH and HOME alone.
   */
  base?: 'inherit' | 'minimal';
  /** Kills a process that has not exited by then (SIGKILL); default: never. */
  killAfterMs?: number;
}

/** The environment a CLI process gets: `base` plus `env`. */
export function cliEnv(env: Record<string, string>, base: CliOptions['base'] = 'inherit'): Record<string, string> {
  const out: Record<string, string> = {};
  if (base === 'minimal') {
    out.PATH = process.env.PATH ?? '';
    out.HOME = process.env.HOME ?? '';
  } else {
    for (const [key, value] of Object.entries(process.env))
      if (!key.startsWith('TRIBUTARY_') && value !== undefined) out[key] = value;
  }
  return { ...out, ...env };
}

/** Runs `node bin/tributary.js ...args` as its own process; resolves when it has exited. */
export function tributary(args: string[], env: Record<string, string> = {}, options: CliOptions = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(env, options.base),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer =
      options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
