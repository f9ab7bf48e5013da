import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import type { ReplayReport } from '../ingest/replay.ts';
import { DATA_TYPES, type DataType } from '../model/data-types.ts';
import { UsageError } from './usage.ts';

const DAY_MS = 86_400_000;

/**
 * `tributary replay`: normalizes stored raw data again with today's normalizers (after a
 * normalizer fix) and stores the records that changed, each payload's changes in one event.
 * Prints changed / unchanged counts; `--dry-run` only counts. Opens the store directly, so it
 * runs beside a running server (whose dispatcher delivers the events).
 */
export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      user: { type: 'string' },
      provider: { type: 'string' },
      type: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.type !== undefined && !(DATA_TYPES as readonly string[]).includes(values.type))
    throw new UsageError(`--type must be one of ${DATA_TYPES.join(', ')} (got ${JSON.stringify(values.type)})`);
  if (values.provider !== undefined && !/^[A-Za-z0-9_]+$/.test(values.provider))
    throw new UsageError(`--provider must be a provider name such as OURA (got ${JSON.stringify(values.provider)})`);
  const fromMs = values.from === undefined ? undefined : parseDate('--from', values.from, 'start');
  const toMs = values.to === undefined ? undefined : parseDate('--to', values.to, 'end');
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');

  // Loaded only once the arguments are known good: the app graph (store drivers, destination
  // and provider clients) costs seconds on a busy machine, and a usage error should not.
  const [{ openConfiguredStore }, { createLogger }, { replay, UnknownUserError }] = await Promise.all([
    import('../app.ts'),
    import('../core/logger.ts'),
    import('../ingest/replay.ts'),
  ]);
  const config = loadConfig(process.env);
  const store = await openConfiguredStore(config);
  let report: ReplayReport;
  try {
    report = await replay(store, {
      userId: values.user,
      provider: values.provider,
      type: values.type as DataType | undefined,
      fromMs,
      toMs,
      dryRun: values['dry-run'] === true,
      logger: createLogger(config.logLevel),
    });
  } catch (error) {
    if (error instanceof UnknownUserError) {
      process.stderr.write(`tributary replay: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
  process.stdout.write(values.json ? JSON.stringify(toJson(report)) + '\n' : text(report));
  return 0;
}

/** `YYYY-MM-DD` (a whole day: --to includes it) or an ISO 8601 date-time with an offset. */
function parseDate(option: string, value: string, side: 'start' | 'end'): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (Number.isFinite(ms)) return side === 'end' ? ms + DAY_MS : ms;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`${option} must be a date (YYYY-MM-DD) or an ISO 8601 date-time (got ${JSON.stringify(value)})`);
}

function text(report: ReplayReport): string {
  const lines = [
    `${report.dryRun ? 'Dry run: would change' : 'Changed'} ${report.changed} record(s), ${report.unchanged} unchanged` +
      ` (${report.users} user(s), ${report.payloads} payload(s) normalized, ${report.skipped} skipped, ${report.failed} failed` +
      `${report.dryRun ? '' : `, ${report.events} event(s)`})`,
  ];
  for (const [type, counts] of Object.entries(report.byType))
    lines.push(`  ${type}: ${counts.changed} changed, ${counts.unchanged} unchanged`);
  for (const failure of report.failures)
    lines.push(`  failed: user ${failure.userId} ${failure.externalId ?? ''}: ${failure.error}`);
  return lines.join('\n') + '\n';
}

function toJson(report: ReplayReport): Record<string, unknown> {
  return {
    dry_run: report.dryRun,
    users: report.users,
    payloads: report.payloads,
    changed: report.changed,
    unchanged: report.unchanged,
    skipped: report.skipped,
    failed: report.failed,
    events: report.events,
    by_type: report.byType,
    failures: report.failures.map((f) => ({
      user_id: f.userId,
      raw_id: f.rawId,
      external_id: f.externalId,
      error: f.error,
    })),
  };
}
