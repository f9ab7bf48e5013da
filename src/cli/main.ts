import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { isTributaryError } from '../core/errors.ts';
import { installLastResortHandler } from '../core/last-resort.ts';
import { createLogger } from '../core/logger.ts';
import { createTributary } from '../app.ts';
import { developersCommand } from './developers.ts';
import { IMPORT_USAGE, importCommand } from './import.ts';
import { DESTINATIONS_USAGE, destinationsCommand } from './destinations.ts';
import { KEYS_USAGE, keysCommand } from './keys.ts';

const USAGE = `tributary — self-hosted, Terra-compatible wearable data platform

Usage:
  tributary start [--api] [--worker]     start the server (both roles unless one is given)
  tributary developers create --name NAME [--json]
  tributary developers list [--json]
${IMPORT_USAGE}
${DESTINATIONS_USAGE}
${KEYS_USAGE}
  tributary help

Configuration comes from TRIBUTARY_* environment variables (see README).`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'import':
      return importCommand(rest);
    case 'developers':
      return developersCommand(rest);
    case 'keys':
      return keysCommand(rest);
    case 'destinations':
    case 'deliveries':
      return destinationsCommand(command, rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { api: { type: 'boolean' }, worker: { type: 'boolean' } } });
  const both = !values.api && !values.worker;
  const config = loadConfig(process.env);
  installLastResortHandler(createLogger(config.logLevel));
  const app = await createTributary(config, {
    api: both || values.api === true,
    worker: both || values.worker === true,
  });
  const url = await app.listen();
  const roles = [both || values.api ? 'api' : '', both || values.worker ? 'worker' : ''].filter(Boolean).join(' + ');
  process.stdout.write(`Tributary is running at ${url}  (store: ${app.store.engine}; roles: ${roles})\n`);
  process.stdout.write(`  API: ${url}/v2   docs: ${url}/docs   dashboard: ${url}/dashboard\n`);
  if ((await app.store.developers.list()).length === 0) {
    process.stdout.write('  No developer yet: create one with  npx tributary developers create --name "My app"\n');
  }
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => undefined);
}

/** Runs the CLI; config errors print one clear line and exit 1 (no stack trace). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `tributary: ${isTributaryError(error) || error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
