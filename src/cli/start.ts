import { parseArgs } from 'node:util';
import { createTributary } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { installLastResortHandler } from '../core/last-resort.ts';
import { createLogger } from '../core/logger.ts';

/** `tributary start [--api] [--worker]`: runs until SIGINT/SIGTERM. */
export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { api: { type: 'boolean' }, worker: { type: 'boolean' } } });
  const both = !values.api && !values.worker;
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  installLastResortHandler(logger);
  const app = await createTributary(config, {
    logger,
    api: both || values.api === true,
    worker: both || values.worker === true,
  });
  let url: string;
  try {
    url = await app.listen();
  } catch (error) {
    // E.g. the port is taken: stop everything this process opened, then fail with one line.
    await app.close().catch(() => undefined);
    throw new Error(listenFailure(error, config.host, config.port), { cause: error });
  }
  const roles = [both || values.api ? 'api' : '', both || values.worker ? 'worker' : ''].filter(Boolean).join(' + ');
  process.stdout.write(`Tributary is running at ${url}  (store: ${app.store.engine}; roles: ${roles})\n`);
  process.stdout.write(`  API: ${url}/v2   docs: ${url}/docs   dashboard: ${url}/dashboard\n`);
  process.stdout.write(
    `  Private destination targets (loopback, private, link-local): ${config.allowPrivateDestinations ? 'allowed' : 'refused'} — ${config.allowPrivateDestinationsBecause}\n`,
  );
  if ((await app.store.developers.list()).length === 0) {
    process.stdout.write('  No developer yet: create one with  npx tributary developers create --name "My app"\n');
  }
  let stopping = false;
  const stop = async () => {
    // A second signal, or the deadline, ends the process whatever is still running.
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting with work still running', {
        deadlineMs: config.shutdownTimeoutMs,
      });
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return new Promise<number>(() => undefined);
}

function listenFailure(error: unknown, host: string, port: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return `cannot listen on ${address}: the port is already in use (set TRIBUTARY_PORT)`;
  if (code === 'EACCES') return `cannot listen on ${address}: permission denied (set TRIBUTARY_PORT above 1023)`;
  return `cannot listen on ${address}: ${error instanceof Error ? error.message : String(error)}`;
}
