import { z } from 'zod';

/**
 * A destination's config table for its docs page, read from its zod schema (field, type,
 * required or default, secret, description), so the page cannot drift from the code: the
 * destination tests compare each page's table with this rendering.
 */
export interface ConfigField {
  name: string;
  type: string;
  required: boolean;
  defaultValue?: unknown;
  secret: boolean;
  description: string;
}

export function configFields(schema: z.ZodTypeAny, secretFields: readonly string[]): ConfigField[] {
  const shape = objectShape(schema);
  return Object.entries(shape).map(([name, field]) => {
    const { inner, optional, defaultValue, description } = unwrap(field);
    return {
      name,
      type: typeName(inner),
      required: !optional && defaultValue === undefined,
      defaultValue,
      secret: secretFields.includes(name),
      description,
    };
  });
}

export function configTable(schema: z.ZodTypeAny, secretFields: readonly string[]): string {
  const rows = configFields(schema, secretFields).map((field) => {
    const need = field.required
      ? 'required'
      : field.defaultValue !== undefined
        ? `default \`${JSON.stringify(field.defaultValue)}\``
        : 'optional';
    return `| \`${field.name}\` | ${field.type} | ${need} | ${field.secret ? 'yes' : ''} | ${field.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| field | type | required | secret | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

function objectShape(schema: z.ZodTypeAny): Record<string, z.ZodTypeAny> {
  let current: z.ZodTypeAny = schema;
  while (current instanceof z.ZodEffects) current = current.innerType();
  if (!(current instanceof z.ZodObject)) throw new Error('a destination config schema must be an object');
  return current.shape as Record<string, z.ZodTypeAny>;
}

function unwrap(field: z.ZodTypeAny): {
  inner: z.ZodTypeAny;
  optional: boolean;
  defaultValue?: unknown;
  description: string;
} {
  let current = field;
  let optional = false;
  let defaultValue: unknown;
  let description = field.description ?? '';
  for (;;) {
    description ||= current.description ?? '';
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      optional = true;
      current = current.unwrap();
    } else if (current instanceof z.ZodDefault) {
      defaultValue = current._def.defaultValue();
      current = current.removeDefault();
    } else if (current instanceof z.ZodEffects) {
      current = current.innerType();
    } else if (current instanceof z.ZodPipeline) {
      // What the developer sends (e.g. JSON text or an object), not what it is parsed into.
      current = current._def.in;
    } else {
      return { inner: current, optional, defaultValue, description: description || current.description || '' };
    }
  }
}

function typeName(schema: z.ZodTypeAny): string {
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodNumber) return 'integer';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodEnum) return (schema.options as string[]).map((option) => `\`${option}\``).join(' \\| ');
  if (schema instanceof z.ZodArray) return `${typeName(schema.element)}[]`;
  if (schema instanceof z.ZodObject || schema instanceof z.ZodRecord) return 'object';
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodTypeAny[]).map(typeName).join(' \\| ');
  if (schema instanceof z.ZodLiteral) return JSON.stringify(schema.value);
  return 'value';
}
