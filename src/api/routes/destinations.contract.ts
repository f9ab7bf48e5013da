import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import type { DeliveryMode } from '../../store/index.ts';
import { EVENT_TYPES, PING_URL_TTL_SECONDS } from '../../delivery/service.ts';
import { EVENT_FORMATS } from '../../delivery/formats.ts';
import { DESTINATION_DEFINITIONS, destinationDefinition } from '../../delivery/destinations/registry.ts';
import {
  apiError,
  component,
  defineRoute,
  httpField,
  integerParam,
  json,
  optionalChoice,
  optionalText,
  schemaRef,
  unauthorized,
} from '../contract/index.ts';
import { describeTag, registerSchemas } from '../openapi/index.ts';
import { withJsonSchema, zodInputJsonSchema } from '../openapi/zod-json-schema.ts';

/**
 * The HTTP contract of destinations and deliveries: every route's params, query, body and
 * answers, declared once. destinations.ts serves them; the OpenAPI document, and the
 * dashboard's types, are read from here.
 */

/** Each destination type's config schema (what `POST /v2/destinations` validates), by type. */
export const DESTINATION_CONFIG_SCHEMAS: Readonly<Record<string, z.ZodTypeAny>> = Object.fromEntries(
  DESTINATION_DEFINITIONS.map((definition) => [definition.type, definition.configSchema]),
);

/** Where each type's config is explained (repository-relative). */
export function destinationDocsPath(type: string): string {
  return destinationDefinition(type)?.docs.page ?? 'README.md#destinations';
}

const DELIVERY_MODES: readonly DeliveryMode[] = ['push', 'ping'];
const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
const types = DESTINATION_DEFINITIONS.map((d) => d.type);
const configName = (type: string) => `DestinationConfig_${type}`;

/** Fields Tributary generates when the request leaves them out (the webhook's `signing_secret`). */
const generatedFields = new Map(
  DESTINATION_DEFINITIONS.map((d) => [d.type, d.generateSecrets ? Object.keys(d.generateSecrets()) : []]),
);

// ---------------------------------------------------------------- body fields (today's messages)

const bad = (name: string, message: string) => new TributaryError('bad_request', message, { parameter: name });

const typeField = httpField({ type: 'string', enum: types }, (value, name) => {
  if (typeof value !== 'string' || value === '') throw bad(name, `type is required: one of ${types.join(', ')}`);
  if (!types.includes(value))
    throw bad(name, `unknown destination type ${JSON.stringify(value)}: one of ${types.join(', ')}`);
  return value;
});

const enabledField = (description: string, fallback?: boolean) =>
  httpField(
    { type: 'boolean', ...(fallback === undefined ? {} : { default: fallback }), description },
    (value, name) => {
      if (value !== undefined && typeof value !== 'boolean') throw bad(name, 'enabled must be true or false');
      return value;
    },
    { optional: true },
  );

const choiceField = <V extends string>(values: readonly V[], description: string, fallback?: V) =>
  httpField(
    { type: 'string', enum: [...values], ...(fallback === undefined ? {} : { default: fallback }), description },
    (value, name) => {
      if (value === undefined) return undefined;
      if (!values.includes(value as V)) throw bad(name, `${name} must be one of ${values.join(', ')}`);
      return value as V;
    },
    { optional: true },
  );

const eventTypesField = httpField(
  {
    type: ['array', 'null'],
    items: { type: 'string', enum: [...EVENT_TYPES] },
    minItems: 1,
    description: 'Event types this destination receives; `null` (or absent at creation) = every type',
  },
  (value, name): string[] | null | undefined => {
    if (value === undefined || value === null) return value;
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string'))
      throw bad(name, 'event_types must be a non-empty array of event type names (or null for all)');
    const unknown = (value as string[]).find((v) => !EVENT_TYPES.includes(v));
    if (unknown) throw bad(name, `unknown event type ${JSON.stringify(unknown)}: one of ${EVENT_TYPES.join(', ')}`);
    return [...new Set(value as string[])];
  },
  { optional: true },
);

const configField = (description: string) =>
  httpField(
    { type: 'object', description },
    (value, name) => {
      if (value === undefined) return undefined;
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw bad(name, `${name} must be an object`);
      return value as Record<string, unknown>;
    },
    { optional: true },
  );

const FORMAT_DESCRIPTION =
  '`json`: Terra’s events; `fit`: activity events carry a signed link to the FIT file (GET /v2/events/{eventId}/activity.fit); `fhir`: data events become an R4 Bundle. Other events stay JSON.';
const MODE_DESCRIPTION = `\`push\`: each event itself; \`ping\`: data events as Terra’s \`s3_payload\` wrapper whose \`url\` (GET /v2/payloads/{id}, signed, ${PING_URL_TTL_SECONDS / 60} minutes) returns the event`;

/** The common fields of a create or patch body; every other key is the type's config. */
export const COMMON_DESTINATION_FIELDS = ['type', 'config', 'event_types', 'format', 'delivery_mode', 'enabled'];

const createObject = z
  .object({
    type: typeField,
    enabled: enabledField(
      '`false` creates the destination paused: nothing is delivered until `PATCH {"enabled": true}`',
      true,
    ),
    config: configField(
      'The type’s config (see `DestinationConfig_<type>`); when present, top-level config fields are ignored',
    ),
    event_types: eventTypesField,
    format: choiceField(EVENT_FORMATS, FORMAT_DESCRIPTION, 'json'),
    delivery_mode: choiceField(DELIVERY_MODES, MODE_DESCRIPTION, 'push'),
  })
  .passthrough();

/** `type` + the type's config, as one variant of the create body (for the document: the server checks the config with the type's own schema). */
const variants = types.map((type) => ({
  title: type,
  properties: { type: { const: type }, config: schemaRef(configName(type)) },
}));

export const DestinationCreate = component(
  'DestinationCreate',
  withJsonSchema(createObject, {
    ...zodInputJsonSchema(createObject),
    description:
      'The common fields plus the type’s config, either nested under `config` or as top-level fields (everything that is not a common field is config). The config is validated against the type’s schema (`DestinationConfig_<type>`) and checked with a real connection. A field that is neither common nor in the type’s config is a 400 naming it.',
    oneOf: variants,
  }),
);

export const DestinationPatch = component(
  'DestinationPatch',
  z
    .object({
      type: httpField({ type: 'string', description: 'Allowed only when equal to the current type' }, (v) => v, {
        optional: true,
      }),
      config: configField('Config fields to change (see `DestinationConfig_<type>`)'),
      event_types: eventTypesField,
      format: choiceField(EVENT_FORMATS, FORMAT_DESCRIPTION),
      delivery_mode: choiceField(DELIVERY_MODES, MODE_DESCRIPTION),
      enabled: enabledField(
        '`true` turns a disabled destination back on (clearing `status_notice` and `failing_since`); `false`: nothing is delivered to it (its pending deliveries are abandoned as `failed`)',
      ),
    })
    .passthrough()
    .describe(
      'Only the fields given change. Config fields (under `config` or at the top level) are merged into the current config (`null` removes an optional field), then validated and checked again. The type cannot change. A field that is neither common nor in the type’s config is a 400 naming it.',
    ),
);

// ---------------------------------------------------------------- answers

const dateTime = () => z.string().datetime({ offset: true });

export const Destination = component(
  'Destination',
  z
    .object({
      id: z.string(),
      type: z.enum(types as [string, ...string[]]),
      delivery_mode: z.enum(DELIVERY_MODES as [DeliveryMode, ...DeliveryMode[]]),
      event_types: z.array(z.string()).nullable().describe('`null` = every event type'),
      format: z.enum(EVENT_FORMATS as unknown as [string, ...string[]]),
      enabled: z.boolean(),
      status: z.enum(['active', 'disabled']),
      status_notice: z.string().nullable().describe('Why the destination was disabled, when it was'),
      failing_since: dateTime().nullable().describe('Start of the current streak of failed deliveries'),
      created_at: dateTime(),
      updated_at: dateTime(),
    })
    .passthrough()
    .describe(
      'A destination. Its non-secret config fields (e.g. the webhook’s `url`, a bucket) appear at the top level too; secret fields are never returned.',
    ),
);

const generatedSecretNames = [...new Set([...generatedFields.values()].flat())];
export const DestinationWithSecrets = component(
  'DestinationWithSecrets',
  // Typed as a Destination: the generated names come from the registry (typed by the passthrough).
  Destination.extend(
    Object.fromEntries(
      generatedSecretNames.map((name) => [
        name,
        z.string().optional().describe('Generated secret (absent when the request set it)'),
      ]),
    ) as Record<never, z.ZodTypeAny>,
  ).describe(
    `A destination plus the secrets Tributary generated for it, shown only in this answer (${[...generatedFields]
      .filter(([, f]) => f.length > 0)
      .map(([t, f]) => `${t}: ${f.map((x) => `\`${x}\``).join(', ')}`)
      .join('; ')}).`,
  ),
);

export const Delivery = component(
  'Delivery',
  z
    .object({
      id: z.string(),
      event_id: z.string(),
      event_type: z.string(),
      destination_id: z.string(),
      trace_id: z.string().describe('X-Terra-Trace-Id: the same on every attempt'),
      status: z.enum(DELIVERY_STATUSES).describe('`failed` = dead letter (every retry used)'),
      attempts: z.number().int().min(0),
      last_status_code: z.number().int().nullable(),
      last_error: z.string().nullable(),
      next_attempt_at: dateTime().nullable().describe('When the next attempt is due (pending deliveries only)'),
      created_at: dateTime(),
      delivered_at: dateTime().nullable(),
      destination_deleted: z
        .literal(true)
        .optional()
        .describe(
          'Present when the destination was deleted: the delivery cannot be sent again (redeliver answers 409), and a dead letter of it needs no attention',
        ),
    })
    .describe('One event × destination, with its retry state.'),
);

export const DeliveryAttempt = component(
  'DeliveryAttempt',
  z.object({
    attempt: z.number().int().min(1),
    started_at: dateTime(),
    duration_ms: z.number().int().min(0),
    status_code: z.number().int().nullable().describe('The destination’s HTTP status, when there was one'),
    error: z.string().nullable(),
  }),
);

export const DeliveryDetail = component(
  'DeliveryDetail',
  Delivery.extend({ attempt_log: z.array(DeliveryAttempt).describe('Every attempt, oldest first') }),
);

const accepted = z.object({ status: z.literal('accepted'), delivery: Delivery });

// ---------------------------------------------------------------- config components (from the registry)

function configComponent(type: string): Record<string, unknown> {
  const definition = DESTINATION_DEFINITIONS.find((d) => d.type === type)!;
  const docs = `Reference: ${destinationDocsPath(type)}.`;
  const zodSchema = DESTINATION_CONFIG_SCHEMAS[type];
  if (!zodSchema) return { type: 'object', description: `Config of a \`${type}\` destination. ${docs}` };
  const schema = zodInputJsonSchema(zodSchema);
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const generated = generatedFields.get(type) ?? [];
  for (const [name, property] of Object.entries(properties)) {
    if (definition.secretFields.includes(name)) {
      property.writeOnly = true;
      property.description =
        `${property.description ? `${String(property.description)} ` : ''}(secret: stored encrypted, never returned)`.trim();
    }
    if (generated.includes(name))
      property.description =
        `${String(property.description ?? '')} Generated when omitted, and returned once in the 201 answer and by rotate-secret.`.trim();
  }
  if (Array.isArray(schema.required)) {
    const required = (schema.required as string[]).filter((name) => !generated.includes(name));
    if (required.length > 0) schema.required = required;
    else delete schema.required;
  }
  const secrets =
    definition.secretFields.length > 0
      ? ` Secret fields: ${definition.secretFields.map((f) => `\`${f}\``).join(', ')}.`
      : '';
  return {
    ...schema,
    description: `Config of a \`${type}\` destination (checked with a real connection at creation).${secrets} ${docs}`,
  };
}

registerSchemas(Object.fromEntries(types.map((type) => [configName(type), configComponent(type)])));

/** The config fields a type accepts (for the unknown-field check of create and patch). */
export function configFieldsOf(type: string): readonly string[] {
  const schema = DESTINATION_CONFIG_SCHEMAS[type];
  const properties = schema
    ? (zodInputJsonSchema(schema).properties as Record<string, unknown> | undefined)
    : undefined;
  return Object.keys(properties ?? {});
}

// ---------------------------------------------------------------- routes

describeTag(
  'Destinations',
  'Tributary extension (Terra configures destinations in its dashboard): where events are delivered — webhooks, SQL, MongoDB, Firestore, Supabase, S3, GCS, Azure Blob, SQS, Kafka. Same dev-id / x-api-key auth as the rest of /v2.',
);
describeTag(
  'Deliveries',
  'Tributary extension: the deliveries log — one row per event × destination, with its retry state and every attempt. Dead letters are `failed`; redeliver sends them again.',
);

const commonErrors = { 401: unauthorized, 500: apiError('Delivery is not configured on this server') };
const idParams = (what: string) => z.object({ id: z.string().describe(`The ${what} id`) });

export const createDestination = defineRoute({
  method: 'post',
  path: '/v2/destinations',
  tag: 'Destinations',
  summary: 'Create a destination',
  operationId: 'Destinations_Create',
  description: `The config is validated against the type's schema and checked with a real connection (400 with the reason when it fails); secret fields are stored encrypted and never returned. Types: ${types.map((t) => `\`${t}\` (${destinationDocsPath(t)})`).join(', ')}.`,
  body: DestinationCreate,
  responses: {
    201: json(
      'Created; generated secrets (the webhook’s `signing_secret`) are in this answer only',
      DestinationWithSecrets,
    ),
    400: apiError(
      'Unknown type, invalid config, an unknown field (`parameter` names the field) or failed connection check',
    ),
    ...commonErrors,
  },
});

export const DestinationType = component(
  'DestinationType',
  z
    .object({
      type: z.string().describe('As in `POST /v2/destinations {type}`'),
      docs: z.string().describe('Where the config is explained (repository-relative path)'),
      config_schema: z
        .record(z.unknown())
        .describe(
          'JSON Schema of the type’s config: the `DestinationConfig_<type>` component (secret fields are `writeOnly`; generated ones are not required)',
        ),
      secret_fields: z.array(z.string()).describe('Config fields stored encrypted and never returned'),
      generated_fields: z
        .array(z.string())
        .describe('Secrets Tributary generates when omitted, shown once at creation and by rotate-secret'),
    })
    .describe('A destination type and the config it takes.'),
);

/** The types, their config schemas and the common field choices (what a create/edit form is derived from). */
export function destinationTypesView(): z.input<(typeof listDestinationTypes)['responses'][200]['schema']> {
  return {
    types: DESTINATION_DEFINITIONS.map((definition) => ({
      type: definition.type,
      docs: destinationDocsPath(definition.type),
      config_schema: configComponent(definition.type),
      secret_fields: [...definition.secretFields],
      generated_fields: generatedFields.get(definition.type) ?? [],
    })),
    event_types: [...EVENT_TYPES],
    formats: [...EVENT_FORMATS],
    delivery_modes: [...DELIVERY_MODES],
  };
}

export const listDestinationTypes = defineRoute({
  method: 'get',
  path: '/v2/destination-types',
  tag: 'Destinations',
  summary: 'List destination types and their config schemas',
  operationId: 'Destinations_Types',
  description:
    'Every destination type with the JSON Schema of its config, its secret and generated fields; and the choices of the common fields. The dashboard derives its create and edit forms from it.',
  responses: {
    200: json(
      'The types',
      z.object({
        types: z.array(DestinationType),
        event_types: z.array(z.string()).describe('Values of `event_types`'),
        formats: z.array(z.string()).describe('Values of `format`'),
        delivery_modes: z.array(z.string()).describe('Values of `delivery_mode`'),
      }),
    ),
    ...commonErrors,
  },
});

export const listDestinations = defineRoute({
  method: 'get',
  path: '/v2/destinations',
  tag: 'Destinations',
  summary: 'List destinations',
  operationId: 'Destinations_List',
  description: 'The calling developer’s destinations, oldest first.',
  responses: { 200: json('The destinations', z.object({ destinations: z.array(Destination) })), ...commonErrors },
});

export const getDestination = defineRoute({
  method: 'get',
  path: '/v2/destinations/{id}',
  tag: 'Destinations',
  summary: 'Read a destination',
  operationId: 'Destinations_Get',
  params: idParams('destination'),
  responses: { 200: json('The destination', Destination), 404: apiError('No such destination'), ...commonErrors },
});

export const updateDestination = defineRoute({
  method: 'patch',
  path: '/v2/destinations/{id}',
  tag: 'Destinations',
  summary: 'Change a destination',
  operationId: 'Destinations_Update',
  description:
    'Changes the given fields; `{"enabled": true}` turns a disabled destination back on. A config change is validated and checked with a real connection again.',
  params: idParams('destination'),
  body: DestinationPatch,
  bodyRequired: false,
  responses: {
    200: json('The destination, changed', Destination),
    400: apiError('Invalid or unknown field, a different `type`, or failed connection check'),
    404: apiError('No such destination'),
    ...commonErrors,
  },
});

export const deleteDestination = defineRoute({
  method: 'delete',
  path: '/v2/destinations/{id}',
  tag: 'Destinations',
  summary: 'Delete a destination',
  operationId: 'Destinations_Delete',
  description:
    'Its pending deliveries end as `failed` (“destination deleted”) when their next attempt comes; the deliveries log keeps them.',
  params: idParams('destination'),
  responses: {
    200: json('Deleted', z.object({ status: z.literal('success'), message: z.string(), id: z.string() })),
    404: apiError('No such destination'),
    ...commonErrors,
  },
});

export const rotateDestinationSecret = defineRoute({
  method: 'post',
  path: '/v2/destinations/{id}/rotate-secret',
  tag: 'Destinations',
  summary: 'Rotate the generated secret',
  operationId: 'Destinations_RotateSecret',
  description:
    'Generates a new secret (the webhook’s `signing_secret`); the old one stops signing at once. Only for types whose secret Tributary generates.',
  params: idParams('destination'),
  responses: {
    200: json('The destination with its new secret (shown only here)', DestinationWithSecrets),
    400: apiError('This type has no secret Tributary generates'),
    404: apiError('No such destination'),
    ...commonErrors,
  },
});

export const testDestination = defineRoute({
  method: 'post',
  path: '/v2/destinations/{id}/test',
  tag: 'Destinations',
  summary: 'Send a test (healthcheck) event',
  operationId: 'Destinations_Test',
  description:
    'Queues a `healthcheck` event for this destination only, whether or not it subscribes to healthchecks; follow it with GET /v2/deliveries/{id}.',
  params: idParams('destination'),
  responses: {
    202: json('Queued', accepted.extend({ message: z.string() })),
    404: apiError('No such destination'),
    ...commonErrors,
  },
});

export const listDeliveries = defineRoute({
  method: 'get',
  path: '/v2/deliveries',
  tag: 'Deliveries',
  summary: 'List deliveries',
  operationId: 'Deliveries_List',
  description:
    'The calling developer’s deliveries, newest first; pass `cursor` back for the next page. `status=failed` lists the dead letters.',
  query: z.object({
    destination_id: optionalText('Only this destination’s deliveries'),
    status: optionalChoice(DELIVERY_STATUSES),
    event_id: optionalText('Only the deliveries of this event'),
    event_type: optionalText('Only deliveries of events of this type (`activity`, `auth`, `healthcheck`…)'),
    user_id: optionalText('Only deliveries of this user’s events'),
    limit: integerParam(1, 500, 50),
    cursor: optionalText('The `cursor` of the previous page'),
  }),
  responses: {
    200: json(
      'A page of deliveries',
      z.object({
        deliveries: z.array(Delivery),
        cursor: z.string().nullable().describe('Pass to read the next page; null on the last page'),
      }),
    ),
    400: apiError('Invalid `status`, `limit` or `cursor` (`parameter` names it)'),
    ...commonErrors,
  },
});

export const getDelivery = defineRoute({
  method: 'get',
  path: '/v2/deliveries/{id}',
  tag: 'Deliveries',
  summary: 'Read a delivery and its attempts',
  operationId: 'Deliveries_Get',
  params: idParams('delivery'),
  responses: {
    200: json('The delivery with every attempt', DeliveryDetail),
    404: apiError('No such delivery'),
    ...commonErrors,
  },
});

export const redeliverDelivery = defineRoute({
  method: 'post',
  path: '/v2/deliveries/{id}/redeliver',
  tag: 'Deliveries',
  summary: 'Send a delivery again',
  operationId: 'Deliveries_Redeliver',
  description:
    'Sets the delivery back to `pending` and queues it now, whatever its status (also for `failed` dead letters).',
  params: idParams('delivery'),
  responses: {
    202: json('Queued', accepted),
    404: apiError('No such delivery'),
    409: apiError('The delivery’s destination was deleted: there is nowhere to send it'),
    ...commonErrors,
  },
});

/** The signature fields: documented as required; a missing one is the same 403 as a wrong one. */
const linkField = (schema: Record<string, unknown>) =>
  httpField(schema, (value) => (typeof value === 'string' ? value : ''));

export const fetchPayload = defineRoute({
  method: 'get',
  path: '/v2/payloads/{id}',
  tag: 'Deliveries',
  summary: 'Fetch an event from a ping-mode link',
  operationId: 'Deliveries_Payload',
  description: `The \`url\` of an \`s3_payload\` message (ping mode, and SQS/Kafka messages too large to carry the event). No API key: the signature, over developer, event and expiry, is the credential. Valid ${PING_URL_TTL_SECONDS / 60} minutes for webhooks (queues set \`payload_url_ttl_seconds\`).`,
  public: true,
  params: z.object({ id: z.string().describe('The event id') }),
  query: z.object({
    dev_id: linkField({ type: 'string' }),
    expires: linkField({ type: 'integer', description: 'Expiry, unix seconds' }),
    signature: linkField({ type: 'string', description: 'base64url HMAC-SHA256' }),
  }),
  responses: {
    200: json(
      'The event, as it would have been pushed (Terra’s event JSON)',
      z.object({ type: z.string() }).passthrough(),
    ),
    403: apiError('Missing or invalid signature'),
    404: apiError('The event no longer exists'),
    410: apiError('The link has expired'),
    500: apiError('Delivery is not configured on this server'),
  },
});
