/**
 * The CLI's usage texts and its usage error. Deliberately free of imports: `tributary help`,
 * `--help` and `--version` load only this and main.ts, so they answer in milliseconds.
 */

export const START_USAGE = `  tributary start [--api] [--worker]     start the server (both roles unless one is given)`;

export const DEVELOPERS_USAGE = `  tributary developers create --name NAME [--json]
  tributary developers list [--json]`;

export const KEYS_USAGE = `  tributary keys list --dev-id ID [--json]
  tributary keys create --dev-id ID --name NAME [--json]
  tributary keys rotate|revoke --dev-id ID KEY_ID [--json]`;

export const IMPORT_USAGE = `  tributary import <files or folders…> --user USER_ID [--dev-id DEV_ID] [--start-time ISO] [--json]
                                         import workout files (FIT, TCX, GPX, iFit CSV, zip) for a user`;

export const DESTINATIONS_USAGE = `  tributary destinations create --dev-id ID --url URL [--type webhook] [--mode push|ping] [--events a,b] [--format json|fit|fhir] [--json]
  tributary destinations list --dev-id ID [--json]
  tributary destinations get|delete|rotate-secret|test|enable|disable --dev-id ID DESTINATION_ID [--json]`;

export const DELIVERIES_USAGE = `  tributary deliveries list --dev-id ID [--destination ID] [--status pending|delivered|failed] [--limit N] [--json]
  tributary deliveries redeliver --dev-id ID DELIVERY_ID`;

export const SUBSCRIPTIONS_USAGE = `  tributary subscriptions [--sync] [--json]
                                         providers' webhook subscriptions (--sync: create missing, renew expiring)`;

export const REPLAY_USAGE = `  tributary replay [--user ID] [--provider NAME] [--type TYPE] [--from DATE] [--to DATE] [--dry-run] [--json]
                                         normalize stored raw data again; emit events for changed records only`;

const HELP_USAGE = `  tributary help [COMMAND]               this text, or one command's usage (also: COMMAND --help)
  tributary --version`;

/** Every command and its usage lines; the dispatcher (main.ts) knows how to run each. */
export const COMMAND_USAGE = {
  start: START_USAGE,
  developers: DEVELOPERS_USAGE,
  keys: KEYS_USAGE,
  import: IMPORT_USAGE,
  destinations: DESTINATIONS_USAGE,
  deliveries: DELIVERIES_USAGE,
  subscriptions: SUBSCRIPTIONS_USAGE,
  replay: REPLAY_USAGE,
  help: HELP_USAGE,
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const USAGE = `tributary — self-hosted, Terra-compatible wearable data platform

Usage:
${Object.values(COMMAND_USAGE).join('\n')}

Options of every command: --help, -h (print its usage). Exit codes: 0 done, 1 failed, 2 usage error.
Configuration comes from TRIBUTARY_* environment variables (see README).`;

/** The usage text of one command, as `tributary COMMAND --help` prints it. */
export function commandUsage(command: CommandName): string {
  return `Usage:\n${COMMAND_USAGE[command]}\n`;
}

/** Wrong arguments (missing option, unknown subcommand): the CLI prints the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A usage error of ours, or one of node:util parseArgs (unknown option, missing value…). */
export function isUsageError(error: unknown): error is Error {
  if (error instanceof UsageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
