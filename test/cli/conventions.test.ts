import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tributary as runCli, type CliRun as Run } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engines.ts';

/** Runs the CLI with PATH and HOME alone, plus `env`. */
const tributary = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  runCli(args, env, { base: 'minimal' });

// Each case starts a Node process: budgets for a busy two-core box, the work itself is milliseconds.
describe('tributary CLI conventions', { timeout: 120_000 }, () => {
  it('--version prints the package version', async () => {
    const run = await tributary(['--version']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^tributary \d+\.\d+\.\d+\n$/);
  });

  it('help, --help and -h print the usage of every command to stdout, exit 0', async () => {
    for (const args of [['help'], ['--help'], ['-h'], []]) {
      const run = await tributary(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stderr).toBe('');
      for (const command of ['start', 'developers create', 'import', 'destinations create', 'deliveries list'])
        expect(run.stdout).toContain(`tributary ${command}`);
    }
  });

  it('help COMMAND and COMMAND --help / -h (also on a subcommand) print that usage to stdout, exit 0', async () => {
    const cases: [string[], string][] = [
      [['help', 'developers'], 'tributary developers create --name NAME'],
      [['developers', '--help'], 'tributary developers create --name NAME'],
      [['developers', 'create', '-h'], 'tributary developers create --name NAME'],
      [['start', '--help'], 'tributary start [--api] [--worker]'],
      [['keys', 'rotate', '--help'], 'tributary keys rotate|revoke --dev-id ID KEY_ID'],
      [['import', '-h'], 'tributary import <files or folders…>'],
      [['destinations', 'create', '--help'], 'tributary destinations create --dev-id ID --url URL'],
      [['deliveries', 'redeliver', '-h'], 'tributary deliveries redeliver --dev-id ID DELIVERY_ID'],
    ];
    for (const [args, line] of cases) {
      const run = await tributary(args);
      expect(run, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout, args.join(' ')).toContain(line);
      expect(run.stdout).not.toContain('tributary help [COMMAND]');
    }
  });

  it('an unknown command, option or subcommand prints the usage to stderr, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command frobnicate/],
      [['--frobnicate'], /unknown option --frobnicate/],
      [['help', 'frobnicate'], /unknown command frobnicate/],
      [['start', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['developers', 'frobnicate'], /unknown subcommand frobnicate/],
      [['developers', 'create', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['destinations', 'list', '--dev-id', 'x', '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const run = await tributary(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr, args.join(' ')).toContain('Usage:');
    }
  });

  describe('start on a taken port', () => {
    let dataDir: string;
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      dataDir = tempDir('tributary-port-');
      blocker = createServer();
      await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((closed) => blocker.close(closed));
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('exits 1 with one line naming the address, and leaves nothing running (the process ends)', async () => {
      // The process exiting at all is the check that no worker loop was left alive.
      const run = await tributary(['start'], {
        TRIBUTARY_DATA_DIR: dataDir,
        TRIBUTARY_PORT: String(port),
        TRIBUTARY_LOG_LEVEL: 'silent',
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([
        `tributary: cannot listen on 127.0.0.1:${port}: the port is already in use (set TRIBUTARY_PORT)`,
      ]);
    });
  });
});
