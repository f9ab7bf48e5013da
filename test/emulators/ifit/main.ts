/**
 * Runs the iFit emulator standalone:
 *   node --import tsx test/emulators/ifit/main.ts [--port 8788] [--days 30]
 * It creates the demo account (see README `## iFit`) with `--days` of history and serves
 * until interrupted.
 */
import { parseArgs } from 'node:util';
import { IfitEmulator } from './ifit-emulator.ts';

export const DEMO_LOGIN = { username: 'demo@ifit.test', password: 'tributary-demo' } as const;

export async function startDemoEmulator(options: { port?: number; days?: number } = {}): Promise<IfitEmulator> {
  const emulator = new IfitEmulator({
    clientId: 'tributary-demo-client',
    clientSecret: 'tributary-demo-secret',
    seed: Date.now() % 100_000,
  });
  const account = emulator.addAccount({ ...DEMO_LOGIN, firstname: 'Demo', lastname: 'Athlete' });
  emulator.addHistory(account.id, options.days ?? 30);
  await emulator.start(options.port ?? 8788);
  return emulator;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8788' }, days: { type: 'string', default: '30' } },
  });
  const emulator = await startDemoEmulator({ port: Number(values.port), days: Number(values.days) });
  console.log(`iFit emulator on ${emulator.url}
  client id / secret : ${emulator.clientId} / ${emulator.clientSecret}
  demo login         : ${DEMO_LOGIN.username} / ${DEMO_LOGIN.password}
  new workout        : curl -X POST ${emulator.url}/_emulator/accounts/${encodeURIComponent(DEMO_LOGIN.username)}/workouts`);
  process.once('SIGINT', () => void emulator.close().then(() => process.exit(0)));
}
