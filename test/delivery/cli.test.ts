import { afterEach, expect, it } from 'vitest';
import { tributary } from '../helpers/cli.ts';
import { markEngineUsed, TEST_KEY, tempDir } from '../helpers/engines.ts';
import { spawnServer, type ServerProcess } from './processes.ts';
import { eventually } from './eventually.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const cli = (args: string[], env: Record<string, string>) => tributary(args, env, { base: 'minimal' });

let server: ServerProcess | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await server?.kill();
  await receiver?.close();
});

it('manages destinations and deliveries from the CLI beside a running server', async () => {
  markEngineUsed('sqlite');
  receiver = await startReceiver();
  const env = {
    TRIBUTARY_DATA_DIR: tempDir(),
    TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
    TRIBUTARY_PORT: '0',
    TRIBUTARY_BOOTSTRAP_DEV_ID: 'cli-dev',
    TRIBUTARY_BOOTSTRAP_API_KEY: 'c'.repeat(32),
    TRIBUTARY_LOG_LEVEL: 'silent',
  };
  server = await spawnServer([], env);
  const created = await cli(['destinations', 'create', '--dev-id', 'cli-dev', '--url', receiver.url, '--json'], env);
  expect(created.code, created.stderr).toBe(0);
  const destination = JSON.parse(created.stdout) as { id: string; signing_secret: string; url: string };
  expect(destination.url).toBe(receiver.url);
  expect(destination.signing_secret).toMatch(/^whsec_/);

  const test = await cli(['destinations', 'test', '--dev-id', 'cli-dev', destination.id], env);
  expect(test.code, test.stderr).toBe(0);
  await receiver.waitFor((r) => r.length >= 1);
  expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'healthcheck' });

  // The server's worker records the outcome just after the receiver answered: wait for it.
  const listed = await eventually(
    async () => {
      const run = await cli(['deliveries', 'list', '--dev-id', 'cli-dev', '--status', 'delivered', '--json'], env);
      const deliveries = (JSON.parse(run.stdout) as { deliveries: Array<{ id: string }> }).deliveries;
      return deliveries.length > 0 && deliveries;
    },
    60_000,
    'the test delivery listed as delivered',
  );
  expect(listed).toHaveLength(1);
  const again = await cli(['deliveries', 'redeliver', '--dev-id', 'cli-dev', listed[0]!.id], env);
  expect(again.code, again.stderr).toBe(0);
  await receiver.waitFor((r) => r.length >= 2);

  const bad = await cli(['destinations', 'create', '--dev-id', 'cli-dev', '--url', 'nope'], env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('url must be');
}, 150_000);
