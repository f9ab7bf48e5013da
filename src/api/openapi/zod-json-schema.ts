import { z } from 'zod';

/**
 * JSON Schema (OpenAPI 3.1 dialect) of what a client sends for a zod (v3) schema: the input
 * side of pipelines, defaults and descriptions kept, refinements left out (they stay in the
 * server's 400 messages). Covers the zod types the destination configs use; anything else
 * becomes `{}` (any value) rather than a wrong constraint.
 */
export function zodInputJsonSchema(schema: z.ZodTypeAny): Record<string, unknown> {
  if (COMPONENT_NAMES.has(schema)) return { $ref: `#/components/schemas/${COMPONENT_NAMES.get(schema)}` };
  const given = JSON_SCHEMAS.get(schema);
  if (given) return structuredClone(given.schema);
  const { inner, description, defaultValue, nullable } = unwrap(schema);
  const out = COMPONENT_NAMES.has(inner) ? { $ref: `#/components/schemas/${COMPONENT_NAMES.get(inner)}` } : base(inner);
  if (nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
    else if (out.$ref || out.anyOf || out.allOf)
      return { anyOf: [out, { type: 'null' }], ...(description ? { description } : {}) };
  }
  if (description) out.description = description;
  if (defaultValue !== undefined) out.default = defaultValue;
  return out;
}

/** The JSON Schema of a named component: its own body, where every other use is a `$ref`. */
export function zodComponentJsonSchema(schema: z.ZodTypeAny): Record<string, unknown> {
  const given = JSON_SCHEMAS.get(schema);
  if (given) return structuredClone(given.schema);
  const { inner, description } = unwrap(schema);
  const out = base(inner);
  if (description) out.description = description;
  return out;
}

/** Whether a client may leave the field out (optional, or with a default). */
export function zodFieldOptional(schema: z.ZodTypeAny): boolean {
  const given = JSON_SCHEMAS.get(schema);
  if (given) return given.optional;
  const { optional, defaultValue } = unwrap(schema);
  return optional || defaultValue !== undefined;
}

/** Schemas documented by a JSON Schema of their own (HTTP fields that parse text). */
const JSON_SCHEMAS = new WeakMap<z.ZodTypeAny, { schema: Record<string, unknown>; optional: boolean }>();

/** Documents `schema` with `json` (for fields whose transform the converter cannot read). */
export function withJsonSchema<S extends z.ZodTypeAny>(
  schema: S,
  json: Record<string, unknown>,
  options: { optional?: boolean } = {},
): S {
  JSON_SCHEMAS.set(schema, { schema: json, optional: options.optional ?? false });
  return schema;
}

/** Named schemas: each is one component (`#/components/schemas/<name>`), referenced wherever it is used. */
const COMPONENT_NAMES = new WeakMap<z.ZodTypeAny, string>();
export const ZOD_COMPONENTS = new Map<string, z.ZodTypeAny>();

/** Names `schema` as an OpenAPI component; returns it unchanged. */
export function component<S extends z.ZodTypeAny>(name: string, schema: S): S {
  if (ZOD_COMPONENTS.has(name)) throw new Error(`OpenAPI component schema ${name} is declared twice`);
  ZOD_COMPONENTS.set(name, schema);
  COMPONENT_NAMES.set(schema, name);
  return schema;
}

function unwrap(schema: z.ZodTypeAny): {
  inner: z.ZodTypeAny;
  description: string;
  defaultValue?: unknown;
  optional: boolean;
  nullable: boolean;
} {
  let current = schema;
  let description = schema.description ?? '';
  let defaultValue: unknown;
  let optional = false;
  let nullable = false;
  for (;;) {
    description ||= current.description ?? '';
    if (current instanceof z.ZodOptional) {
      optional = true;
      current = current.unwrap();
    } else if (current instanceof z.ZodNullable) {
      nullable = true;
      current = current.unwrap();
    } else if (current instanceof z.ZodDefault) {
      defaultValue = current._def.defaultValue();
      current = current.removeDefault();
    } else if (current instanceof z.ZodEffects && current._def.effect.type !== 'preprocess') {
      current = current.innerType();
    } else if (current instanceof z.ZodPipeline) {
      current = current._def.in;
    } else if (current instanceof z.ZodBranded || current instanceof z.ZodReadonly || current instanceof z.ZodCatch) {
      current =
        current instanceof z.ZodCatch
          ? current.removeCatch()
          : current instanceof z.ZodBranded
            ? current.unwrap()
            : current._def.innerType;
    } else {
      return {
        inner: current,
        description: description || current.description || '',
        defaultValue,
        optional,
        nullable,
      };
    }
  }
}

type Check = { kind: string; value?: number; regex?: RegExp; inclusive?: boolean };

function base(schema: z.ZodTypeAny): Record<string, unknown> {
  // z.preprocess: the fields that use it accept the value as JSON text too (service-account keys).
  if (schema instanceof z.ZodEffects && schema._def.effect.type === 'preprocess')
    return {
      anyOf: [zodInputJsonSchema(schema.innerType()), { type: 'string', description: 'the same as JSON text' }],
    };
  if (schema instanceof z.ZodString) {
    const out: Record<string, unknown> = { type: 'string' };
    for (const check of (schema._def.checks ?? []) as Check[]) {
      if (check.kind === 'min') out.minLength = check.value;
      else if (check.kind === 'max') out.maxLength = check.value;
      else if (check.kind === 'length') out.minLength = out.maxLength = check.value;
      else if (check.kind === 'url') out.format = 'uri';
      else if (check.kind === 'email') out.format = 'email';
      else if (check.kind === 'uuid') out.format = 'uuid';
      else if (check.kind === 'datetime') out.format = 'date-time';
      else if (check.kind === 'date') out.format = 'date';
      else if (check.kind === 'regex' && check.regex && out.pattern === undefined) out.pattern = check.regex.source;
    }
    return out;
  }
  if (schema instanceof z.ZodNumber) {
    const checks = (schema._def.checks ?? []) as Check[];
    const out: Record<string, unknown> = { type: checks.some((c) => c.kind === 'int') ? 'integer' : 'number' };
    for (const check of checks) {
      if (check.kind === 'min') out[check.inclusive === false ? 'exclusiveMinimum' : 'minimum'] = check.value;
      else if (check.kind === 'max') out[check.inclusive === false ? 'exclusiveMaximum' : 'maximum'] = check.value;
    }
    return out;
  }
  if (schema instanceof z.ZodBoolean) return { type: 'boolean' };
  if (schema instanceof z.ZodEnum) return { type: 'string', enum: [...(schema.options as string[])] };
  if (schema instanceof z.ZodLiteral)
    return { ...(typeof schema.value === 'string' ? { type: 'string' } : {}), const: schema.value };
  if (schema instanceof z.ZodNull) return { type: 'null' };
  if (schema instanceof z.ZodIntersection)
    return { allOf: [zodInputJsonSchema(schema._def.left), zodInputJsonSchema(schema._def.right)] };
  if (schema instanceof z.ZodDiscriminatedUnion)
    return { oneOf: (schema.options as z.ZodTypeAny[]).map(zodInputJsonSchema) };
  if (schema instanceof z.ZodArray) {
    const out: Record<string, unknown> = { type: 'array', items: zodInputJsonSchema(schema.element) };
    if (schema._def.minLength) out.minItems = schema._def.minLength.value;
    if (schema._def.maxLength) out.maxItems = schema._def.maxLength.value;
    return out;
  }
  if (schema instanceof z.ZodObject) {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
      properties[name] = zodInputJsonSchema(field);
      if (!zodFieldOptional(field)) required.push(name);
    }
    const out: Record<string, unknown> = { type: 'object', properties };
    if (required.length > 0) out.required = required;
    if (schema._def.unknownKeys === 'strict') out.additionalProperties = false;
    if (schema._def.unknownKeys === 'passthrough') out.additionalProperties = true;
    return out;
  }
  if (schema instanceof z.ZodRecord)
    return { type: 'object', additionalProperties: zodInputJsonSchema(schema._def.valueType) };
  if (schema instanceof z.ZodUnion) return { anyOf: (schema.options as z.ZodTypeAny[]).map(zodInputJsonSchema) };
  return {};
}
