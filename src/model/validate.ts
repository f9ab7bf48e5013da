import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { DataType } from './data-types.ts';
import type { TerraSchemaName, TerraSchemaTypes } from './generated/terra-types.ts';
import { terraSchemaDocument } from './schemas.ts';

/**
 * Validation against Terra's own JSON Schemas (2020-12), for write endpoints, webhook
 * events and tests. Every problem comes back as a readable issue naming the field:
 * `{path: "data[0].metadata.type", message: "…"}`.
 *
 * Nulls: Terra documents that every field is nullable unless it is required ("every field
 * is nullable unless marked required", terra-contract.md §4, §2.5) although most schemas
 * only say `type: string`; Terra's own payloads carry such nulls. The default policy
 * `terra` therefore accepts null for every property its object does not require (unless the
 * property says `nullable: false`); `strict` reads the schemas literally (null only where `nullable: true` or `type: [.., 'null']`).
 *
 * Two more readings of the contract, both from its OpenAPI heritage:
 * - `nullable: true` admits null (ajv's built-in OpenAPI keyword); `example` and
 *   `discriminator` are annotations.
 * - A `oneOf` that carries an OpenAPI `discriminator` (planned-workout steps, targets and
 *   durations) is read as `anyOf`: its alternatives share every property and require none,
 *   and the discriminator's `type` values (schema names) never occur in data, so JSON
 *   Schema's exactly-one rule would reject every real step. Tools that honour the
 *   discriminator pick one alternative; accepting any matching one is the closest reading.
 */
export interface ValidationIssue {
  /** Where in the value: `metadata.type`, `data[0].samples[3].level`; `(root)` for the value itself. */
  path: string;
  message: string;
}

/** The schema each data type's records follow. */
export const DATA_TYPE_SCHEMAS: Record<DataType, TerraSchemaName> = {
  activity: 'Activity',
  athlete: 'Athlete',
  body: 'Body',
  daily: 'Daily',
  menstruation: 'Menstruation',
  nutrition: 'Nutrition',
  sleep: 'Sleep',
  planned_workout: 'PlannedWorkout',
};

export type NullPolicy = 'terra' | 'strict';

export interface ValidateOptions {
  /** `terra` (default): null allowed for every property that is not required; `strict`: as written. */
  nulls?: NullPolicy;
}

type Schema = Record<string, unknown>;

interface Compiled {
  ajv: Ajv2020;
  /** Schema object → its component name, to name enums and union members in messages. */
  names: Map<object, string>;
  /** Enum schema object → its members (code and title), for messages. */
  enumMembers: Map<object, { const: unknown; title?: string }[]>;
  defs: Record<string, Schema>;
  /** Event `type` → the event schemas that carry it (auth has a success and an error shape). */
  eventSchemas: Map<string, TerraSchemaName[]>;
  validators: Map<string, ValidateFunction>;
}

const compiled = new Map<NullPolicy, Compiled>();

function setup(nulls: NullPolicy = 'terra'): Compiled {
  const existing = compiled.get(nulls);
  if (existing) return existing;
  const document = structuredClone(terraSchemaDocument()) as unknown as Schema & {
    $id: string;
    $defs: Record<string, Schema>;
  };
  readDiscriminatedUnionsAsAnyOf(document.$defs);
  const enumMembers = enumsAsEnumKeyword(document.$defs);
  if (nulls === 'terra') for (const schema of Object.values(document.$defs)) admitNullForOptionalProperties(schema);
  // Compile time matters more than validation speed here (it blocks the event loop once per
  // schema, ~1 s for ActivityEvent with defaults): refs are compiled once instead of
  // inlined, and ajv's code optimizer is off (~0.3 s).
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTuples: false,
    verbose: true,
    inlineRefs: false,
    code: { optimize: false },
  });
  ajv.addVocabulary(['example', 'discriminator']);
  const addFormats = formatsModule as unknown as (ajv: Ajv2020) => void;
  addFormats(ajv);
  ajv.addSchema(document);
  const names = new Map<object, string>();
  for (const [name, schema] of Object.entries(document.$defs)) names.set(schema, name);
  const state: Compiled = {
    ajv,
    names,
    enumMembers,
    defs: document.$defs,
    eventSchemas: eventSchemaIndex(document.$defs),
    validators: new Map(),
  };
  compiled.set(nulls, state);
  return state;
}

/**
 * Terra writes its enums as `oneOf` of `{type, const, title}` branches. For validation the
 * same set of values is an `enum` (a branch's `type` only restates its const's type): one
 * check instead of one compiled branch per code (ActivityType has 140), and one error
 * instead of 140. The members are kept to name codes in messages.
 */
function enumsAsEnumKeyword(defs: Record<string, Schema>): Map<object, { const: unknown; title?: string }[]> {
  const members = new Map<object, { const: unknown; title?: string }[]>();
  for (const schema of Object.values(defs)) {
    const branches = schema.oneOf as Schema[] | undefined;
    if (
      !branches ||
      branches.length === 0 ||
      !branches.every(
        (b) => 'const' in b && Object.keys(b).every((k) => ['type', 'const', 'title', 'description'].includes(k)),
      )
    )
      continue;
    const sameType = branches.every(
      (b) =>
        b.type === undefined ||
        b.type === (typeof b.const === 'string' ? 'string' : b.type === 'integer' ? 'integer' : 'number'),
    );
    if (!sameType) continue;
    members.set(
      schema,
      branches.map((b) => ({ const: b.const, title: b.title as string | undefined })),
    );
    schema.enum = branches.map((b) => b.const);
    delete schema.oneOf;
  }
  return members;
}

/**
 * Wraps every optional property that does not admit null as `{if: {type: 'null'}, else: <schema>}`:
 * null passes, anything else is checked (and reported) exactly as before.
 */
function admitNullForOptionalProperties(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(admitNullForOptionalProperties);
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Schema;
  const properties = node.properties as Record<string, Schema> | undefined;
  if (properties && typeof properties === 'object') {
    const required = new Set((node.required ?? []) as string[]);
    for (const [key, property] of Object.entries(properties)) {
      admitNullForOptionalProperties(property);
      // An explicit `nullable: false` is the contract saying "never null": honour it.
      if (!required.has(key) && property.nullable !== false && !admitsNull(property))
        properties[key] = { if: { type: 'null' }, else: property };
    }
  }
  for (const key of ['items', 'prefixItems', 'allOf', 'anyOf', 'oneOf', 'then', 'else'])
    admitNullForOptionalProperties(node[key]);
}

function admitsNull(schema: Schema): boolean {
  if (schema.nullable === true) return true;
  const type = schema.type;
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  return Array.isArray(schema.enum) && schema.enum.includes(null);
}

function readDiscriminatedUnionsAsAnyOf(defs: Record<string, Schema>): void {
  for (const schema of Object.values(defs)) {
    if (schema.discriminator && Array.isArray(schema.oneOf)) {
      schema.anyOf = schema.oneOf;
      delete schema.oneOf;
    }
  }
}

function eventSchemaIndex(defs: Record<string, Schema>): Map<string, TerraSchemaName[]> {
  const index = new Map<string, TerraSchemaName[]>();
  const union = (defs.WebhookEventType.oneOf ?? []) as Schema[];
  for (const member of union) {
    const name = String(member.$ref).replace('#/$defs/', '') as TerraSchemaName;
    const type = constOf(defs, defs[name], 'type');
    if (typeof type !== 'string') continue;
    index.set(type, [...(index.get(type) ?? []), name]);
  }
  return index;
}

/** The `const` of a property, looking through `allOf` parents (AuthSuccessEvent → AuthEvent). */
function constOf(defs: Record<string, Schema>, schema: Schema | undefined, property: string): unknown {
  if (!schema) return undefined;
  const own = (schema.properties as Record<string, Schema> | undefined)?.[property];
  if (own && 'const' in own) return own.const;
  for (const parent of (schema.allOf ?? []) as Schema[]) {
    const found = constOf(defs, defs[String(parent.$ref).replace('#/$defs/', '')], property);
    if (found !== undefined) return found;
  }
  return undefined;
}

function validatorFor(name: string, nulls: NullPolicy = 'terra'): ValidateFunction {
  const state = setup(nulls);
  let validate = state.validators.get(name);
  if (!validate) {
    if (!state.defs[name]) throw new Error(`unknown Terra schema ${name}`);
    validate = state.ajv.getSchema(`${terraSchemaDocument().$id}#/$defs/${name}`);
    if (!validate) throw new Error(`Terra schema ${name} did not compile`);
    state.validators.set(name, validate);
  }
  return validate;
}

/** Validates `value` against the named component schema (e.g. `Activity`, `SleepEvent`, `TerraUser`). */
export function validateSchema(
  name: TerraSchemaName,
  value: unknown,
  options: ValidateOptions = {},
): ValidationIssue[] {
  const validate = validatorFor(name, options.nulls);
  if (validate(value)) return [];
  return readableIssues(validate.errors ?? [], setup(options.nulls));
}

/** Type guard form of validateSchema. */
export function isTerra<N extends TerraSchemaName>(
  name: N,
  value: unknown,
  options: ValidateOptions = {},
): value is TerraSchemaTypes[N] {
  return validatorFor(name, options.nulls)(value) === true;
}

/** Validates one record of a data type (an Activity, a Sleep…). */
export function validateRecord(type: DataType, record: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  return validateSchema(DATA_TYPE_SCHEMAS[type], record, options);
}

/**
 * Validates a webhook event: picks the event schema by its `type` (and, for `auth`, by
 * `status`), so that errors name fields of that event rather than of all 21 shapes.
 */
export function validateEvent(event: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  const state = setup(options.nulls);
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    return [{ path: '(root)', message: 'an event must be a JSON object' }];
  const { type, status } = event as { type?: unknown; status?: unknown };
  if (typeof type !== 'string')
    return [{ path: 'type', message: 'is required and must be a string naming the event type' }];
  const candidates = state.eventSchemas.get(type);
  if (!candidates)
    return [
      {
        path: 'type',
        message: `unknown event type ${JSON.stringify(type)}; Terra's events are ${[...state.eventSchemas.keys()].join(', ')}`,
      },
    ];
  const chosen = candidates.find((name) => constOf(state.defs, state.defs[name], 'status') === status) ?? candidates[0];
  return validateSchema(chosen, event, options);
}

/** The event schema names by event `type` (for documentation and tests). */
export function eventSchemasByType(): ReadonlyMap<string, readonly TerraSchemaName[]> {
  return setup().eventSchemas;
}

/** One line per issue, for error messages. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------
// Error condensing

function readableIssues(errors: ErrorObject[], state: Compiled): ValidationIssue[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // Errors of the individual alternatives of a failed union are noise: the union explains them.
  const insideUnion = (e: ErrorObject) =>
    unions.some(
      (u) => u !== e && e.instancePath.startsWith(u.instancePath) && e.schemaPath.startsWith(`${u.schemaPath}/`),
    );
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `if` only says that the `else` branch failed (null-admitting wrappers); that branch's errors explain it.
    if (error.keyword === 'if' || insideUnion(error)) continue;
    const issue = describe(error, state);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function describe(error: ErrorObject, state: Compiled): ValidationIssue {
  const path = readablePath(error.instancePath);
  const got = describeValue(error.data);
  switch (error.keyword) {
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { path: readablePath(`${error.instancePath}/${missing}`), message: 'is required' };
    }
    case 'type':
      return {
        path,
        message: `must be ${String((error.params as { type: string | string[] }).type).replace(',', ' or ')} (got ${got})`,
      };
    case 'const':
      return {
        path,
        message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)} (got ${got})`,
      };
    case 'enum': {
      const members = state.enumMembers.get(error.parentSchema as object);
      if (members) return { path, message: enumMessage(state.names.get(error.parentSchema as object), members, got) };
      return {
        path,
        message: `must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')} (got ${got})`,
      };
    }
    case 'format':
      return { path, message: `must be a valid ${String((error.params as { format: string }).format)} (got ${got})` };
    case 'oneOf':
    case 'anyOf':
      return { path, message: unionMessage(error, state, got) };
    default:
      return { path, message: `${error.message ?? 'is invalid'} (got ${got})` };
  }
}

function unionMessage(error: ErrorObject, state: Compiled, got: string): string {
  const schema = (error.parentSchema ?? {}) as Schema;
  const name = state.names.get(schema) ?? /#\/\$defs\/(\w+)\/(?:oneOf|anyOf)$/.exec(error.schemaPath)?.[1];
  const branches = (schema.oneOf ?? schema.anyOf ?? []) as Schema[];
  if (branches.length > 0 && branches.every((b) => 'const' in b))
    return enumMessage(name, branches as { const: unknown; title?: string }[], got);
  const members = branches.map((b) =>
    typeof b.$ref === 'string' ? b.$ref.replace('#/$defs/', '') : 'an inline schema',
  );
  const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (error.keyword === 'oneOf' && passing && passing.length > 1) {
    return `matches more than one of ${passing.map((i) => members[i]).join(', ')}; ${name ?? 'the union'} needs exactly one`;
  }
  return `does not match any of ${members.join(', ')}${name ? ` (${name})` : ''} (got ${got})`;
}

function enumMessage(name: string | undefined, members: { const: unknown; title?: string }[], got: string): string {
  const codes = members.map((m) => (m.title ? `${JSON.stringify(m.const)} ${m.title}` : JSON.stringify(m.const)));
  const allowed = codes.length <= 16 ? codes.join(', ') : `${codes.slice(0, 6).join(', ')}, … (${codes.length} codes)`;
  return `${got} is not a valid ${name ?? 'enum'} code; allowed: ${allowed}`;
}

function readablePath(pointer: string): string {
  if (!pointer) return '(root)';
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
  }
  return path;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
