import { readFileSync } from 'node:fs';
import { COMMAND_USAGE, USAGE, commandUsage, isUsageError, type CommandName } from './usage.ts';

/**
 * The `tributary` command line. Conventions: `--help`/`-h` on any command or subcommand prints
 * its usage to stdout (exit 0); `tributary help [COMMAND]`; `tributary --version`; an unknown
 * command or option, or a missing argument, prints the usage to stderr (exit 2); a runtime
 * failure prints one line to stderr (exit 1). Commands are imported only when run, so help and
 * version do not load the server.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    case '--version':
    case '-V':
    case 'version':
      process.stdout.write(`tributary ${version()}\n`);
      return 0;
    case 'help':
      return help(rest[0]);
  }
  if (!isCommand(command)) {
    const what = command.startsWith('-') ? 'option' : 'command';
    process.stderr.write(`tributary: unknown ${what} ${command}\n\n${USAGE}\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(commandUsage(command));
    return 0;
  }
  try {
    return await runCommand(command, rest);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    process.stderr.write(`tributary ${command}: ${error.message}\n\n${commandUsage(command)}`);
    return 2;
  }
}

function runCommand(command: Exclude<CommandName, 'help'>, args: string[]): Promise<number> {
  switch (command) {
    case 'start':
      return import('./start.ts').then((m) => m.startCommand(args));
    case 'import':
      return import('./import.ts').then((m) => m.importCommand(args));
    case 'developers':
      return import('./developers.ts').then((m) => m.developersCommand(args));
    case 'keys':
      return import('./keys.ts').then((m) => m.keysCommand(args));
    case 'destinations':
    case 'deliveries':
      return import('./destinations.ts').then((m) => m.destinationsCommand(command, args));
    case 'subscriptions':
      return import('./subscriptions.ts').then((m) => m.subscriptionsCommand(args));
    case 'replay':
      return import('./replay.ts').then((m) => m.replayCommand(args));
  }
}

function help(command: string | undefined): number {
  if (command === undefined) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!isCommand(command) && command !== 'help') {
    process.stderr.write(`tributary help: unknown command ${command}\n\n${USAGE}\n`);
    return 2;
  }
  process.stdout.write(commandUsage(command));
  return 0;
}

function isCommand(name: string): name is Exclude<CommandName, 'help'> {
  return name !== 'help' && Object.hasOwn(COMMAND_USAGE, name);
}

/** `--help` or `-h` anywhere before a `--` (after which arguments are operands). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI; a runtime failure prints one clear line and exits 1 (no stack trace). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`tributary: ${error instanceof Error ? error.message : String(error)}\n`);
      // Nothing may keep a failed command alive (an open handle, a started loop).
      process.exit(1);
    },
  );
}
