import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, type DataType } from '../../src/model/data-types.ts';
import {
  ActivityType,
  SleepLevel,
  TERRA_ENUMS,
  TERRA_SCHEMA_NAMES,
  type Activity,
  type Sleep,
  type SleepHypnogramSample,
} from '../../src/model/generated/terra-types.ts';
import { terraSchemaDocument } from '../../src/model/schemas.ts';
import {
  DATA_TYPE_SCHEMAS,
  eventSchemasByType,
  isTerra,
  validateEvent,
  validateRecord,
  validateSchema,
} from '../../src/model/validate.ts';
import { expectValidTerra, expectValidTerraEvent, terraFixture } from '../helpers/terra-schema.ts';

const RECORD_FIXTURES: Record<DataType, string> = {
  activity: 'activity.json',
  athlete: 'athlete.json',
  body: 'body.json',
  daily: 'daily.json',
  menstruation: 'menstruation.json',
  nutrition: 'nutrition.json',
  sleep: 'sleep.json',
  planned_workout: 'planned-workout.json',
};

const EVENT_FIXTURES = readdirSync(new URL('../fixtures/terra/events/', import.meta.url)).filter((f) =>
  f.endsWith('.json'),
);

const defs = terraSchemaDocument().$defs as Record<string, Record<string, unknown>>;

/** Source lines that are not comments (a comment may cite the contract's path). */
function codeLines(source: string): string[] {
  return source.split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line));
}

/** Every $ref (transitively) reachable from a schema. */
function reachable(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string') reachable(child.replace('#/$defs/', ''), seen);
        else walk(child);
      }
    }
  };
  walk(defs[name]);
  return seen;
}

describe('Terra record fixtures validate against the contract', () => {
  for (const type of DATA_TYPES) {
    it(`${type} (${DATA_TYPE_SCHEMAS[type]})`, () => {
      const record = terraFixture(RECORD_FIXTURES[type]);
      expect(validateRecord(type, record)).toEqual([]);
      expect(isTerra(DATA_TYPE_SCHEMAS[type], record)).toBe(true);
    });
  }

  it('the fixtures carry the nested blocks and sample series they are meant to exercise', () => {
    const activity = terraFixture<Activity>('activity.json');
    expect(activity.metadata.type).toBe(ActivityType.RUNNING);
    expect(activity.heart_rate_data?.detailed?.hr_samples?.length).toBeGreaterThan(10);
    expect(activity.position_data?.position_samples?.[0].coords_lat_lng_deg).toHaveLength(2);
    const sleep = terraFixture<Sleep>('sleep.json');
    const levels = new Set(
      (sleep.sleep_durations_data?.hypnogram_samples ?? []).map((s: SleepHypnogramSample) => s.level),
    );
    expect(levels).toEqual(
      new Set([SleepLevel.AWAKE, SleepLevel.LIGHT_SLEEP, SleepLevel.DEEP_SLEEP, SleepLevel.REM_SLEEP]),
    );
  });
});

describe('Terra webhook event fixtures validate against the contract', () => {
  for (const file of EVENT_FIXTURES) {
    it(file, () => {
      const event = terraFixture(`events/${file}`);
      expect(validateEvent(event)).toEqual([]);
      expect(() => expectValidTerraEvent(event)).not.toThrow();
    });
  }

  it('cover every event shape of the contract (the 21 members of WebhookEventType)', () => {
    const covered = new Set<string>();
    for (const file of EVENT_FIXTURES) {
      const event = terraFixture<{ type: string; status?: string }>(`events/${file}`);
      const names = eventSchemasByType().get(event.type) ?? [];
      for (const name of names) if (validateSchema(name, event).length === 0) covered.add(name);
    }
    const union = (defs.WebhookEventType.oneOf as { $ref: string }[]).map((m) => m.$ref.replace('#/$defs/', ''));
    expect(union).toHaveLength(21);
    expect([...covered].sort()).toEqual([...union].sort());
  });
});

describe('invalid values fail with a message naming the field', () => {
  it('an unused ActivityType code', () => {
    const activity = terraFixture<{ metadata: Record<string, unknown> }>('activity.json');
    activity.metadata.type = 2;
    const issues = validateRecord('activity', activity);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe('metadata.type');
    expect(issues[0].message).toMatch(/^2 is not a valid ActivityType code/);
  });

  it('a sleep level outside SleepLevel, deep in a sample array', () => {
    const sleep = terraFixture<{ sleep_durations_data: { hypnogram_samples: { level: unknown }[] } }>('sleep.json');
    sleep.sleep_durations_data.hypnogram_samples[3].level = 7;
    expect(validateRecord('sleep', sleep)).toEqual([
      {
        path: 'sleep_durations_data.hypnogram_samples[3].level',
        message: expect.stringMatching(/7 is not a valid SleepLevel code; allowed: 0 Unknown, 1 Awake/),
      },
    ]);
  });

  it('a number sent as a string', () => {
    const activity = terraFixture<{ heart_rate_data: { summary: Record<string, unknown> } }>('activity.json');
    activity.heart_rate_data.summary.avg_hr_bpm = '141';
    expect(validateRecord('activity', activity)).toEqual([
      { path: 'heart_rate_data.summary.avg_hr_bpm', message: 'must be number (got "141")' },
    ]);
  });

  it('an integer field with a fraction', () => {
    const daily = terraFixture<{ distance_data: Record<string, unknown> }>('daily.json');
    daily.distance_data.steps = 14211.5;
    expect(validateRecord('daily', daily)).toEqual([
      { path: 'distance_data.steps', message: 'must be integer (got 14211.5)' },
    ]);
  });

  it('a missing required field', () => {
    const activity = terraFixture<{ metadata: Record<string, unknown> }>('activity.json');
    delete activity.metadata.summary_id;
    expect(validateRecord('activity', activity)).toEqual([{ path: 'metadata.summary_id', message: 'is required' }]);
    expect(validateRecord('body', {})).toEqual([{ path: 'metadata', message: 'is required' }]);
  });

  it('string enums: a stroke type, a menstrual phase, a planned-workout type', () => {
    const activity = terraFixture<{ lap_data: { laps: Record<string, unknown>[] } }>('activity.json');
    activity.lap_data.laps[0].stroke_type = 'medley';
    expect(validateRecord('activity', activity)).toEqual([
      {
        path: 'lap_data.laps[0].stroke_type',
        message: expect.stringMatching(/"medley" is not a valid StrokeType code/),
      },
    ]);
    const menstruation = terraFixture<{ menstruation_data: Record<string, unknown> }>('menstruation.json');
    menstruation.menstruation_data.current_phase = 'spring';
    expect(validateRecord('menstruation', menstruation)[0].path).toBe('menstruation_data.current_phase');
    const planned = terraFixture<{ metadata: Record<string, unknown> }>('planned-workout.json');
    planned.metadata.type = 'JOGGING_BACKWARDS';
    expect(validateRecord('planned_workout', planned)).toEqual([
      {
        path: 'metadata.type',
        message: expect.stringMatching(/^must be one of "IN_VEHICLE", "BIKING", .* \(got "JOGGING_BACKWARDS"\)$/),
      },
    ]);
  });

  it('nutrition: an unknown unit code inside a meal', () => {
    const nutrition = terraFixture<{ meals: { quantity: Record<string, unknown> }[] }>('nutrition.json');
    nutrition.meals[1].quantity.unit = 13;
    const [issue] = validateRecord('nutrition', nutrition);
    expect(issue.path).toBe('meals[1].quantity.unit');
    expect(issue.message).toContain('NutritionUnits');
  });

  it('nullable fields take null only where the contract says so', () => {
    const planned = terraFixture<{ metadata: Record<string, unknown> }>('planned-workout.json');
    planned.metadata.planned_date = null; // `nullable: true`
    planned.metadata.estimated_tss = null; // type [number, null]
    expect(validateRecord('planned_workout', planned)).toEqual([]);
    planned.metadata.type = null; // `nullable: false`
    expect(validateRecord('planned_workout', planned)[0].path).toBe('metadata.type');
  });

  it("null policy: Terra's rule (optional fields nullable) by default, the schemas literally with nulls: 'strict'", () => {
    const activity = terraFixture<{ metadata: Record<string, unknown>; device_data: Record<string, unknown> }>(
      'activity.json',
    );
    activity.metadata.state = null; // optional, `type: string`
    activity.device_data.name = null;
    expect(validateRecord('activity', activity)).toEqual([]);
    const strict = validateRecord('activity', activity, { nulls: 'strict' });
    expect(strict).toHaveLength(2);
    expect(strict).toEqual(
      expect.arrayContaining([
        { path: 'device_data.name', message: 'must be string (got null)' },
        { path: 'metadata.state', message: 'must be string (got null)' },
      ]),
    );
    activity.metadata.summary_id = null; // required: never null
    expect(validateRecord('activity', activity)).toEqual([
      { path: 'metadata.summary_id', message: 'must be string (got null)' },
    ]);
    const sleep = terraFixture<{ sleep_durations_data: { hypnogram_samples: Record<string, unknown>[] } }>(
      'sleep.json',
    );
    sleep.sleep_durations_data.hypnogram_samples[0].level = null; // optional enum ref
    expect(validateRecord('sleep', sleep)).toEqual([]);
    expect(validateRecord('sleep', sleep, { nulls: 'strict' })[0]).toMatchObject({
      path: 'sleep_durations_data.hypnogram_samples[0].level',
      message: expect.stringContaining('null is not a valid SleepLevel code'),
    });
  });

  it('events: wrong status constant, unknown type, data not an array, missing user', () => {
    const deauth = terraFixture<Record<string, unknown>>('events/deauth.json');
    expect(validateEvent({ ...deauth, status: 'warning' })).toEqual([
      { path: 'status', message: 'must be "success" (got "warning")' },
    ]);
    expect(validateEvent({ ...deauth, type: 'deauthorised' })[0]).toMatchObject({
      path: 'type',
      message: expect.stringContaining('unknown event type "deauthorised"'),
    });
    const activity = terraFixture<Record<string, unknown>>('events/activity.json');
    expect(validateEvent({ ...activity, data: (activity.data as unknown[])[0] })).toEqual([
      { path: 'data', message: 'must be array (got an object)' },
    ]);
    const { user: _user, ...withoutUser } = activity;
    expect(validateEvent(withoutUser)).toEqual([{ path: 'user', message: 'is required' }]);
    expect(validateEvent([])).toEqual([{ path: '(root)', message: 'an event must be a JSON object' }]);
  });

  it('auth events are checked against the success or the error shape by their status', () => {
    const failure = terraFixture<Record<string, unknown>>('events/auth-error.json');
    const { reason: _reason, ...withoutReason } = failure;
    expect(validateEvent(withoutReason)).toEqual([{ path: 'reason', message: 'is required' }]);
  });

  it('expectValidTerra throws with the readable issues', () => {
    expect(() => expectValidTerra('TerraUser', { provider: 'GARMIN', active: 'yes' })).toThrow(
      /not a valid Terra TerraUser:\nuser_id: is required\nactive: must be boolean \(got "yes"\)/,
    );
  });
});

describe('the generated schema document', () => {
  it('has every $ref resolvable inside it', () => {
    for (const name of TERRA_SCHEMA_NAMES)
      for (const ref of reachable(name)) expect(defs[ref], `${name} → ${ref}`).toBeDefined();
  });

  it('compiles every component schema the 8 data types reference, and every event schema', () => {
    const needed = new Set<string>();
    for (const type of DATA_TYPES) for (const name of reachable(DATA_TYPE_SCHEMAS[type])) needed.add(name);
    for (const name of reachable('WebhookEventType')) needed.add(name);
    expect(needed.size).toBeGreaterThan(120);
    for (const name of needed) expect(() => validateSchema(name as never, {}), name).not.toThrow();
  });

  it('compiles every schema of the contract', () => {
    for (const name of TERRA_SCHEMA_NAMES) expect(() => validateSchema(name, null), name).not.toThrow();
  });

  it('enum tables hold exactly the codes of the contract, with names', () => {
    expect(ActivityType.RUNNING).toBe(8);
    expect(ActivityType.SWIMMING_SWIMMING_POOL).toBe(83);
    expect(ActivityType.HURLING).toBe(148);
    expect(SleepLevel.DEEP_SLEEP).toBe(5);
    expect(Object.keys(TERRA_ENUMS).length).toBe(21);
    for (const [name, table] of Object.entries(TERRA_ENUMS)) {
      const schema = defs[name] as { oneOf?: { const: unknown }[]; enum?: unknown[] };
      const codes = schema.oneOf ? schema.oneOf.map((b) => b.const) : schema.enum;
      expect(Object.values(table), name).toEqual(codes);
      expect(
        Object.keys(table).every((key) => /^[A-Z_][A-Z0-9_]*$/.test(key)),
        name,
      ).toBe(true);
    }
  });

  it('is committed beside the code: nothing under src/ reads the shared reference folder', () => {
    const offenders: string[] = [];
    const scan = (dir: URL) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
        if (entry.isDirectory()) scan(url);
        else if (
          /\.ts$/.test(entry.name) &&
          codeLines(readFileSync(url, 'utf8')).some((line) => /reference\/terra|\.\.\/shared\//.test(line))
        )
          offenders.push(entry.name);
      }
    };
    scan(new URL('../../src/', import.meta.url));
    expect(offenders).toEqual([]);
  });
});
