import { h } from './dom.ts';

/**
 * Form fields derived from a JSON Schema (a destination type's config, as
 * `GET /v2/destination-types` gives it): one field per property, its control chosen by the
 * property's type. Nothing is hard-coded per destination type: a new type's form is its schema.
 */
export interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  writeOnly?: boolean;
  anyOf?: JsonSchemaProperty[];
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
  items?: JsonSchemaProperty;
}

export interface SchemaField {
  name: string;
  element: HTMLElement;
  /** The value to send; `undefined` = leave it out (empty optional field, or an unchanged secret). */
  read(): unknown;
  /** Marks the field invalid (aria-invalid) with the API's message, or clears it. */
  invalid(message: string | null): void;
}

interface FieldOptions {
  /** Id prefix (unique per form). */
  prefix: string;
  required: boolean;
  secret: boolean;
  generated: boolean;
  /** The current value when editing (secrets are never given: the API does not return them). */
  current: unknown;
  editing: boolean;
}

const kinds = (property: JsonSchemaProperty): string[] =>
  property.anyOf
    ? property.anyOf.flatMap(kinds)
    : Array.isArray(property.type)
      ? property.type
      : property.type
        ? [property.type]
        : [];

export function schemaFields(
  schema: JsonSchemaProperty,
  options: {
    prefix: string;
    secretFields: readonly string[];
    generatedFields: readonly string[];
    current?: Record<string, unknown>;
    /** The fields of an optional object (Kafka's sasl): none is required, the object is left out when all are empty. */
    optional?: boolean;
  },
): SchemaField[] {
  const required = new Set(options.optional ? [] : (schema.required ?? []));
  return Object.entries(schema.properties ?? {}).map(([name, property]) =>
    schemaField(name, property, {
      prefix: options.prefix,
      required: required.has(name),
      secret: options.secretFields.includes(name) || property.writeOnly === true,
      generated: options.generatedFields.includes(name),
      current: options.current?.[name],
      editing: options.current !== undefined,
    }),
  );
}

function schemaField(name: string, property: JsonSchemaProperty, options: FieldOptions): SchemaField {
  const id = `${options.prefix}-${name}`;
  // An edit leaves a secret empty to keep it (the API never returns it).
  const required = options.required && !(options.editing && options.secret);
  const hintId = `${id}-hint`;
  const hints = [
    property.description,
    options.generated ? 'Leave empty: Tributary generates it and shows it once.' : null,
    options.editing && options.secret ? 'Stored encrypted; leave empty to keep the current value.' : null,
  ].filter(Boolean);
  const error = h('div', { class: 'field-error small error-text', id: `${id}-error`, hidden: true });
  const describedBy = `${hints.length ? hintId : ''} ${id}-error`.trim();
  const label = h('label', { for: id }, name, required ? h('span', { 'aria-hidden': 'true' }, ' *') : null);
  const types = kinds(property);
  let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: () => unknown;

  if (property.type === 'object' && property.properties && !property.anyOf) {
    // A nested object (Kafka's sasl): a fieldset of its own fields, left out when all are empty.
    const nested = schemaFields(property, {
      prefix: id,
      secretFields: options.secret ? Object.keys(property.properties) : [],
      generatedFields: [],
      current: options.editing ? ((options.current as Record<string, unknown> | undefined) ?? {}) : undefined,
      optional: !required,
    });
    const fieldset = h(
      'fieldset',
      { class: 'field field-wide subfields', 'data-field': name },
      h('legend', {}, name, required ? h('span', { 'aria-hidden': 'true' }, ' *') : null),
      hints.length ? h('p', { class: 'small muted', id: hintId }, hints.join(' ')) : null,
      h('div', { class: 'form-fields' }, ...nested.map((f) => f.element)),
      error,
    );
    return {
      name,
      element: fieldset,
      read: () => {
        const entries = nested.map((f) => [f.name, f.read()] as const).filter(([, v]) => v !== undefined);
        return entries.length ? Object.fromEntries(entries) : undefined;
      },
      invalid: (message) => setError(fieldset, error, message),
    };
  }

  if (property.enum) {
    const select = h(
      'select',
      { id, name, 'aria-describedby': describedBy, required: required ? true : null },
      options.required ? null : h('option', { value: '' }, defaultLabel(property)),
      ...property.enum.map((value) =>
        h(
          'option',
          { value: String(value), selected: value === (options.current ?? null) ? true : null },
          String(value),
        ),
      ),
    );
    if (options.required && options.current === undefined && property.default !== undefined)
      select.value = String(property.default);
    control = select;
    read = () => (select.value === '' ? undefined : property.enum!.find((v) => String(v) === select.value));
  } else if (types.length === 1 && types[0] === 'boolean') {
    const select = h(
      'select',
      { id, name, 'aria-describedby': describedBy },
      h('option', { value: '' }, defaultLabel(property)),
      h('option', { value: 'true', selected: options.current === true ? true : null }, 'true'),
      h('option', { value: 'false', selected: options.current === false ? true : null }, 'false'),
    );
    control = select;
    read = () => (select.value === '' ? undefined : select.value === 'true');
  } else if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) {
    const input = h('input', {
      id,
      name,
      type: 'number',
      inputmode: 'numeric',
      step: types[0] === 'integer' ? 1 : 'any',
      min: property.minimum ?? null,
      max: property.maximum ?? null,
      required: required ? true : null,
      placeholder: property.default === undefined ? null : `default ${String(property.default)}`,
      value: typeof options.current === 'number' ? String(options.current) : null,
      'aria-describedby': describedBy,
    });
    control = input;
    read = () => (input.value.trim() === '' ? undefined : Number(input.value));
  } else if (types.length === 1 && types[0] === 'array') {
    const input = h('input', {
      id,
      name,
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      required: required ? true : null,
      placeholder: 'comma-separated',
      value: Array.isArray(options.current) ? options.current.join(', ') : null,
      'aria-describedby': describedBy,
    });
    control = input;
    read = () => {
      const items = input.value.split(/[\s,]+/).filter(Boolean);
      return items.length ? items : undefined;
    };
  } else if (types.length === 1 && types[0] === 'string') {
    const input = h('input', {
      id,
      name,
      type: options.secret
        ? 'password'
        : property.format === 'uri'
          ? 'url'
          : property.format === 'email'
            ? 'email'
            : 'text',
      autocomplete: options.secret ? 'new-password' : 'off',
      spellcheck: 'false',
      required: required ? true : null,
      maxlength: property.maxLength ?? null,
      placeholder:
        options.editing && options.secret
          ? 'unchanged'
          : property.default !== undefined && property.default !== ''
            ? `default ${String(property.default)}`
            : null,
      value: typeof options.current === 'string' ? options.current : null,
      'aria-describedby': describedBy,
    });
    control = input;
    read = () => (input.value.trim() === '' ? undefined : input.value.trim());
  } else {
    // Several shapes (a boolean or an object, JSON text or an object): JSON, or the text as it is
    // when the schema takes a string.
    const textarea = h('textarea', {
      id,
      name,
      rows: 3,
      spellcheck: 'false',
      class: 'mono',
      required: required ? true : null,
      placeholder:
        options.editing && options.secret ? 'unchanged' : types.includes('boolean') ? 'true, or a JSON object' : 'JSON',
      'aria-describedby': describedBy,
    });
    if (options.current !== undefined && !options.secret)
      textarea.value = typeof options.current === 'string' ? options.current : JSON.stringify(options.current);
    control = textarea;
    read = () => {
      const text = textarea.value.trim();
      if (text === '') return undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        // JSON text of an object stays text where a string is accepted (a key file pasted as is).
        if (types.includes('string') && typeof parsed === 'object') return text;
        return parsed;
      } catch {
        return text;
      }
    };
  }
  const element = h(
    'div',
    { class: `field${control instanceof HTMLTextAreaElement ? ' field-wide' : ''}`, 'data-field': name },
    label,
    control,
    hints.length ? h('p', { class: 'small muted field-hint', id: hintId }, hints.join(' ')) : null,
    error,
  );
  return { name, element, read, invalid: (message) => setError(control, error, message) };
}

function defaultLabel(property: JsonSchemaProperty): string {
  return property.default === undefined ? '(not set)' : `(default: ${String(property.default)})`;
}

function setError(control: Element, error: HTMLElement, message: string | null): void {
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
  error.textContent = message ?? '';
  error.hidden = !message;
}
