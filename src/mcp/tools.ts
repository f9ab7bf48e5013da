import { z } from 'zod';
import type { ApiContext } from '../api/context.ts';
import { terraUser } from '../delivery/terra-events.ts';
import { DATA_TYPES, type DataType } from '../model/data-types.ts';
import { MCP_LIMITS } from './limits.ts';
import { SUMMARY_TYPES, type SummaryType } from './metrics.ts';
import type { Principal } from './principal.ts';
import { recordDetail } from './record-detail.ts';
import {
  checkDataType,
  checkPeriod,
  describeGrantPeriod,
  parsePeriod,
  recordInGrantPeriod,
  resolveUser,
  ToolRefusal,
  type Period,
} from './scope.ts';
import { comparePeriods, readPeriod, summarizePeriod, summaryAnswer, windowMs } from './summaries.ts';

/** What a tool call touched, for the audit log; tools fill it in as they go. */
export interface AuditNote {
  userId: string | null;
  period: Period | null;
  recordCount: number;
}

export interface ToolCall {
  ctx: ApiContext;
  principal: Principal;
  audit: AuditNote;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject<z.ZodRawShape>;
  run(call: ToolCall, args: Record<string, unknown>): Promise<unknown>;
}

const text = (description: string, max = 256) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain a NUL character')
    .describe(description);
const userIdField = text(
  'The user to read. Required with a developer key; with a user grant it may be left out (the grant names its user).',
).optional();
const dateField = (which: 'start' | 'end') =>
  text(
    which === 'start'
      ? 'First day of the period: YYYY-MM-DD (UTC) or unix seconds'
      : 'Last day of the period, included: YYYY-MM-DD (UTC) or unix seconds',
    32,
  );

/** Looks up the user and checks the data type and period against the caller's scope. */
async function scoped(call: ToolCall, userId: string | undefined, type: DataType, period?: Period) {
  call.audit.userId = userId ?? (call.principal.kind === 'grant' ? call.principal.grant.userId : null);
  if (period) call.audit.period = period;
  const user = await resolveUser(call.principal, userId, (devId, id) => call.ctx.store.users.get(devId, id));
  call.audit.userId = user.userId;
  checkDataType(call.principal, type);
  if (period) checkPeriod(call.principal, period);
  return user;
}

const findUsers: ToolDefinition = {
  name: 'find_users',
  title: 'Find users',
  description: `Lists the developer's users (id, provider, reference_id, connection state), ${MCP_LIMITS.usersPerPage} per page, or those with one reference_id. Developer key only: a user grant covers its one user.`,
  input: z.object({
    reference_id: text('Only users with this reference_id (your own id for the end user)').optional(),
    page: z.number().int().min(0).max(100_000).optional().describe('Zero-based page; default 0'),
  }),
  async run(call, args) {
    if (call.principal.kind === 'grant')
      throw new ToolRefusal('find_users needs a developer key: a user grant covers one user only');
    const devId = call.principal.devId;
    const page = (args.page as number | undefined) ?? 0;
    const reference = args.reference_id as string | undefined;
    const { users, total } = reference
      ? { users: await call.ctx.store.users.byReferenceId(devId, reference), total: undefined }
      : await call.ctx.store.users.list(devId, { page, perPage: MCP_LIMITS.usersPerPage });
    const listed = users.slice(0, MCP_LIMITS.usersPerPage);
    call.audit.recordCount = listed.length;
    return {
      users: listed.map((u) => ({ ...terraUser(u), state: u.state, created_at: u.createdAt })),
      ...(total !== undefined ? { page, total, more: (page + 1) * MCP_LIMITS.usersPerPage < total } : {}),
    };
  },
};

const SUMMARY_WORDS: Record<SummaryType, string> = {
  activity: 'workouts (duration, distance, steps, calories, heart rate)',
  sleep: 'sleep sessions (time in bed and asleep, stages, efficiency, score, heart rate and HRV)',
  daily: 'daily totals (steps, distance, calories, active time, resting heart rate, HRV, stress)',
  body: 'body measurements (weight, body fat, BMI, resting heart rate, blood oxygen, glucose)',
  nutrition: 'nutrition (calories, protein, carbohydrates, fat, fibre, sugar, sodium, water)',
  menstruation: 'menstrual cycle (period and cycle length, day in cycle, phase)',
};

const summaryTool = (type: SummaryType): ToolDefinition => ({
  name: `summarize_${type}`,
  title: `Summarize ${type}`,
  description: `Summarises the user's ${SUMMARY_WORDS[type]} over a period of at most ${MCP_LIMITS.maxPeriodDays} days: each metric's total, per-day average, mean, range, first and last value, one line per day, and the records used (summary_id, provider, time) to cite. Reads at most ${MCP_LIMITS.maxRecords} records.`,
  input: z.object({ user_id: userIdField, start_date: dateField('start'), end_date: dateField('end') }),
  async run(call, args) {
    const period = parsePeriod(args.start_date as string, args.end_date as string);
    const user = await scoped(call, args.user_id as string | undefined, type, period);
    const read = await readPeriod(call.ctx, call.principal, user, type, period);
    call.audit.recordCount = read.records.length;
    return summaryAnswer(summarizePeriod(user, type, period, read));
  },
});

const periodInput = z
  .object({ start_date: dateField('start'), end_date: dateField('end') })
  .describe('A period: start_date and end_date (included)');

const compareTool: ToolDefinition = {
  name: 'compare_periods',
  title: 'Compare two periods',
  description: `Compares one data type over two periods (each at most ${MCP_LIMITS.maxPeriodDays} days): per metric, period A and period B (totals per day, so periods of different length compare fairly; else means), the change and the change in percent, with the records of each period to cite.`,
  input: z.object({
    user_id: userIdField,
    data_type: z.enum(SUMMARY_TYPES).describe('The data type to compare'),
    period_a: periodInput,
    period_b: periodInput,
  }),
  async run(call, args) {
    const type = args.data_type as SummaryType;
    const input = (key: string) => args[key] as { start_date: string; end_date: string };
    const a = parsePeriod(input('period_a').start_date, input('period_a').end_date, 'period_a');
    const b = parsePeriod(input('period_b').start_date, input('period_b').end_date, 'period_b');
    const union = { startMs: Math.min(a.startMs, b.startMs), endMs: Math.max(a.endMs, b.endMs) };
    const user = await scoped(call, args.user_id as string | undefined, type, union);
    checkPeriod(call.principal, a);
    checkPeriod(call.principal, b);
    const readA = await readPeriod(call.ctx, call.principal, user, type, a);
    const readB = await readPeriod(call.ctx, call.principal, user, type, b);
    call.audit.recordCount = readA.records.length + readB.records.length;
    return comparePeriods(summarizePeriod(user, type, a, readA), summarizePeriod(user, type, b, readB)).answer;
  },
};

const getRecord: ToolDefinition = {
  name: 'get_record',
  title: 'Get one record in detail',
  description: `One stored record with its summary fields and every sample series (heart rate, power, positions…) averaged into buckets of resolution_seconds (widened so a series has at most max_points points). Take the id from the records a summary cites (summary_id): an activity's or sleep's summary_id, a day (YYYY-MM-DD) for daily, body, nutrition and menstruation, a planned workout's id, or "athlete".`,
  input: z.object({
    user_id: userIdField,
    data_type: z.enum(DATA_TYPES).describe('The record’s data type'),
    id: text('The summary_id a summary cited (see the description)'),
    resolution_seconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe('Width of a sample bucket in seconds; default 60'),
    max_points: z
      .number()
      .int()
      .min(10)
      .max(MCP_LIMITS.maxPointsPerSeries)
      .optional()
      .describe(`Most points per sample series; default ${MCP_LIMITS.defaultPointsPerSeries}`),
  }),
  async run(call, args) {
    const type = args.data_type as DataType;
    const id = args.id as string;
    const user = await scoped(call, args.user_id as string | undefined, type);
    const record = await call.ctx.store.records.get(user.devId, user.userId, type, id);
    const window = record && type !== 'athlete' ? windowMs(type as SummaryType, record) : {};
    if (window.startMs !== undefined)
      call.audit.period = { startMs: window.startMs, endMs: window.endMs ?? window.startMs };
    if (!record || !recordInGrantPeriod(call.principal, window))
      throw new ToolRefusal(
        call.principal.kind === 'grant'
          ? `no ${type} record ${JSON.stringify(id)} within this grant (${describeGrantPeriod(call.principal.grant)})`
          : `no ${type} record ${JSON.stringify(id)} for user ${user.userId}`,
      );
    call.audit.recordCount = 1;
    return recordDetail(type, record, user, {
      resolutionSeconds: (args.resolution_seconds as number | undefined) ?? 60,
      maxPoints: (args.max_points as number | undefined) ?? MCP_LIMITS.defaultPointsPerSeries,
    });
  },
};

/** Every tool the server offers, in the order tools/list answers them. */
export const TOOLS: readonly ToolDefinition[] = [findUsers, ...SUMMARY_TYPES.map(summaryTool), getRecord, compareTool];
