import type { z } from 'zod';
import type { Delivery, DeliveryMode, StoredDestination } from '../../store/index.ts';
import { EVENT_TYPES, PING_URL_TTL_SECONDS, type DeliveryService } from '../../delivery/service.ts';
import { EVENT_FORMATS } from '../../delivery/formats.ts';
import { DESTINATION_DEFINITIONS } from '../../delivery/destinations/registry.ts';
import { webhookConfigSchema } from '../../delivery/destinations/webhook/index.ts';
import { sqlConfigSchema } from '../../delivery/destinations/sql/sql-config.ts';
import { mongodbConfigSchema } from '../../delivery/destinations/mongodb/mongodb-config.ts';
import { firestoreConfigSchema } from '../../delivery/destinations/firestore/firestore-config.ts';
import { supabaseConfigSchema } from '../../delivery/destinations/supabase/supabase-config.ts';
import { s3ConfigSchema } from '../../delivery/destinations/s3/s3.ts';
import { gcsConfigSchema } from '../../delivery/destinations/gcs/gcs.ts';
import { azureBlobConfigSchema } from '../../delivery/destinations/azure-blob/azure-blob.ts';
import { sqsConfigSchema } from '../../delivery/destinations/sqs/sqs.ts';
import { kafkaConfigSchema } from '../../delivery/destinations/kafka/kafka.ts';
import { TributaryError } from '../../core/errors.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';
import { zodInputJsonSchema } from '../openapi/zod-json-schema.ts';

/**
 * Destinations (Terra configures them in its dashboard; here it is an API with the same
 * dev-id/x-api-key auth): CRUD, secret rotation and a test send.
 */
export const destinationRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  app.post('/destinations', async (request, reply) => {
    const { destination, generatedSecrets } = await service().createDestination(
      developerOf(request).devId,
      request.body,
    );
    return reply.status(201).send({ ...destinationView(destination), ...generatedSecrets });
  });
  app.get('/destinations', async (request) => {
    const list = await service().destinations.list(developerOf(request).devId);
    return { destinations: list.map(destinationView) };
  });
  app.get('/destinations/:id', async (request) =>
    destinationView(await service().getDestination(developerOf(request).devId, idOf(request.params))),
  );
  app.patch('/destinations/:id', async (request) =>
    destinationView(
      await service().updateDestination(developerOf(request).devId, idOf(request.params), request.body ?? {}),
    ),
  );
  app.delete('/destinations/:id', async (request) => {
    const id = idOf(request.params);
    await service().deleteDestination(developerOf(request).devId, id);
    return { status: 'success', message: `destination ${id} deleted`, id };
  });
  app.post('/destinations/:id/rotate-secret', async (request) => {
    const { destination, generatedSecrets } = await service().rotateSecret(
      developerOf(request).devId,
      idOf(request.params),
    );
    return { ...destinationView(destination), ...generatedSecrets };
  });
  app.post('/destinations/:id/test', async (request, reply) => {
    const delivery = await service().sendTest(developerOf(request).devId, idOf(request.params));
    return reply
      .status(202)
      .send({ status: 'accepted', message: 'a healthcheck event is on its way', delivery: deliveryView(delivery) });
  });
};

/** Deliveries log: one row per event × destination, with retry state; dead letters are `failed`. */
export const deliveryRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  app.get('/deliveries', async (request) => {
    const { deliveries, nextCursor } = await service().listDeliveries(
      developerOf(request).devId,
      request.query as Record<string, unknown>,
    );
    return { deliveries: deliveries.map(deliveryView), cursor: nextCursor };
  });
  app.get('/deliveries/:id', async (request) => {
    const devId = developerOf(request).devId;
    const id = idOf(request.params);
    const delivery = await service().deliveries.get(devId, id);
    if (!delivery) throw new TributaryError('not_found', `delivery ${id} not found`);
    const attempts = await service().deliveries.attempts(devId, id);
    return {
      ...deliveryView(delivery),
      attempt_log: attempts.map((a) => ({
        attempt: a.attempt,
        started_at: a.startedAt,
        duration_ms: a.durationMs,
        status_code: a.statusCode,
        error: a.error,
      })),
    };
  });
  app.post('/deliveries/:id/redeliver', async (request, reply) => {
    const delivery = await service().redeliver(developerOf(request).devId, idOf(request.params));
    return reply.status(202).send({ status: 'accepted', delivery: deliveryView(delivery) });
  });

  // Ping mode (s3_payload): a signed, expiring link to one event; the signature is the credential.
  app.get('/payloads/:id', { config: { public: true } }, async (request) => {
    const query = request.query as Record<string, unknown>;
    const devId = typeof query.dev_id === 'string' ? query.dev_id : '';
    const expires = Number(query.expires);
    const signature = typeof query.signature === 'string' ? query.signature : '';
    const id = idOf(request.params);
    const verdict =
      devId && Number.isInteger(expires) && signature
        ? service().payloadCheck(devId, id, expires, signature)
        : 'invalid';
    if (verdict === 'expired') throw new TributaryError('gone', 'this payload link has expired');
    if (verdict !== 'ok') throw new TributaryError('forbidden', 'invalid payload link signature');
    return (await service().payloadFor(devId, id)).payload;
  });
};

function requireDelivery(ctx: ApiContext): DeliveryService {
  if (!ctx.delivery) throw new TributaryError('internal', 'delivery is not configured on this server');
  return ctx.delivery;
}

function idOf(params: unknown): string {
  return String((params as { id: string }).id);
}

export function destinationView(d: StoredDestination): Record<string, unknown> {
  return {
    id: d.destinationId,
    type: d.type,
    ...d.config,
    delivery_mode: d.deliveryMode,
    event_types: d.eventTypes,
    format: d.format,
    enabled: d.enabled,
    status: d.enabled ? 'active' : 'disabled',
    status_notice: d.statusNotice,
    failing_since: d.failingSince === null ? null : new Date(d.failingSince).toISOString(),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function deliveryView(d: Delivery): Record<string, unknown> {
  return {
    id: d.deliveryId,
    event_id: d.eventId,
    event_type: d.eventType,
    destination_id: d.destinationId,
    trace_id: d.traceId,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at:
      d.nextAttemptAt === null || d.status !== 'pending' ? null : new Date(d.nextAttemptAt).toISOString(),
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}

// ---------------------------------------------------------------- OpenAPI

/** Each destination type's config schema (what `POST /v2/destinations` validates), by type. */
export const DESTINATION_CONFIG_SCHEMAS: Readonly<Record<string, z.ZodTypeAny>> = {
  webhook: webhookConfigSchema,
  sql: sqlConfigSchema,
  mongodb: mongodbConfigSchema,
  firestore: firestoreConfigSchema,
  supabase: supabaseConfigSchema,
  s3: s3ConfigSchema,
  gcs: gcsConfigSchema,
  azure_blob: azureBlobConfigSchema,
  sqs: sqsConfigSchema,
  kafka: kafkaConfigSchema,
};

/** Where each type's config is explained (repository-relative). */
export function destinationDocsPath(type: string): string {
  return type === 'webhook' ? 'README.md#delivery' : `docs/destinations/${type.replace(/_/g, '-')}.md`;
}

const DELIVERY_MODES: readonly DeliveryMode[] = ['push', 'ping'];
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const apiError = (description: string) => json(description, ref(ERROR_SCHEMA_NAME));
const idParam = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `The ${what} id`,
  schema: { type: 'string' },
});
const commonErrors = {
  '401': apiError('Missing or wrong `dev-id` / `x-api-key`'),
  '500': apiError('Delivery is not configured on this server'),
};

/** Fields Tributary generates when the request leaves them out (the webhook's `signing_secret`). */
const generatedFields = new Map(
  DESTINATION_DEFINITIONS.map((d) => [d.type, d.generateSecrets ? Object.keys(d.generateSecrets()) : []]),
);

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

const configName = (type: string) => `DestinationConfig_${type}`;
const types = DESTINATION_DEFINITIONS.map((d) => d.type);
const eventTypesSchema = {
  type: ['array', 'null'],
  items: { type: 'string', enum: [...EVENT_TYPES] },
  minItems: 1,
  description: 'Event types this destination receives; `null` (or absent at creation) = every type',
};
const formatSchema = {
  type: 'string',
  enum: [...EVENT_FORMATS],
  description:
    '`json`: Terra’s events; `fit`: activity events carry a signed link to the FIT file (GET /v2/events/{eventId}/activity.fit); `fhir`: data events become an R4 Bundle. Other events stay JSON.',
};
const modeSchema = {
  type: 'string',
  enum: [...DELIVERY_MODES],
  description: `\`push\`: each event itself; \`ping\`: data events as Terra’s \`s3_payload\` wrapper whose \`url\` (GET /v2/payloads/{id}, signed, ${PING_URL_TTL_SECONDS / 60} minutes) returns the event`,
};
/** `type` + the type's config, as one variant of the create body. */
const variants = types.map((type) => ({
  title: type,
  properties: { type: { const: type }, config: ref(configName(type)) },
}));

describeTag(
  'Destinations',
  'Tributary extension (Terra configures destinations in its dashboard): where events are delivered — webhooks, SQL, MongoDB, Firestore, Supabase, S3, GCS, Azure Blob, SQS, Kafka. Same dev-id / x-api-key auth as the rest of /v2.',
);
describeTag(
  'Deliveries',
  'Tributary extension: the deliveries log — one row per event × destination, with its retry state and every attempt. Dead letters are `failed`; redeliver sends them again.',
);
registerSchemas({
  ...Object.fromEntries(types.map((type) => [configName(type), configComponent(type)])),
  DestinationCreate: {
    type: 'object',
    description:
      'The common fields plus the type’s config, either nested under `config` or as top-level fields (everything that is not a common field is config). The config is validated against the type’s schema (`DestinationConfig_<type>`) and checked with a real connection.',
    properties: {
      type: { type: 'string', enum: types },
      config: {
        type: 'object',
        description:
          'The type’s config (see `DestinationConfig_<type>`); when present, top-level config fields are ignored',
      },
      event_types: eventTypesSchema,
      format: { ...formatSchema, default: 'json' },
      delivery_mode: { ...modeSchema, default: 'push' },
      enabled: {
        type: 'boolean',
        default: true,
        description: '`false` creates the destination paused: nothing is delivered until `PATCH {"enabled": true}`',
      },
    },
    required: ['type'],
    oneOf: variants,
  },
  DestinationPatch: {
    type: 'object',
    description:
      'Only the fields given change. Config fields (under `config` or at the top level) are merged into the current config, then validated and checked again. The type cannot change.',
    properties: {
      type: { type: 'string', description: 'Allowed only when equal to the current type' },
      config: { type: 'object', description: 'Config fields to change (see `DestinationConfig_<type>`)' },
      event_types: eventTypesSchema,
      format: formatSchema,
      delivery_mode: modeSchema,
      enabled: {
        type: 'boolean',
        description:
          '`true` turns a disabled destination back on (clearing `status_notice` and `failing_since`); `false`: nothing is delivered to it (its pending deliveries are abandoned as `failed`)',
      },
    },
  },
  Destination: {
    type: 'object',
    description:
      'A destination. Its non-secret config fields (e.g. the webhook’s `url`, a bucket) appear at the top level too; secret fields are never returned.',
    properties: {
      id: { type: 'string', examples: ['dst_…'] },
      type: { type: 'string', enum: types },
      delivery_mode: { type: 'string', enum: [...DELIVERY_MODES] },
      event_types: { type: ['array', 'null'], items: { type: 'string' }, description: '`null` = every event type' },
      format: { type: 'string', enum: [...EVENT_FORMATS] },
      enabled: { type: 'boolean' },
      status: { type: 'string', enum: ['active', 'disabled'] },
      status_notice: { type: ['string', 'null'], description: 'Why the destination was disabled, when it was' },
      failing_since: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'Start of the current streak of failed deliveries',
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    required: [
      'id',
      'type',
      'delivery_mode',
      'event_types',
      'format',
      'enabled',
      'status',
      'status_notice',
      'failing_since',
      'created_at',
      'updated_at',
    ],
    additionalProperties: true,
  },
  DestinationWithSecrets: {
    allOf: [ref('Destination')],
    description: `A destination plus the secrets Tributary generated for it, shown only in this answer (${[
      ...generatedFields,
    ]
      .filter(([, f]) => f.length > 0)
      .map(([t, f]) => `${t}: ${f.map((x) => `\`${x}\``).join(', ')}`)
      .join('; ')}).`,
    properties: Object.fromEntries(
      [...new Set([...generatedFields.values()].flat())].map((name) => [
        name,
        { type: 'string', description: 'Generated secret (absent when the request set it)' },
      ]),
    ),
  },
  Delivery: {
    type: 'object',
    description: 'One event × destination, with its retry state.',
    properties: {
      id: { type: 'string', examples: ['dlv_…'] },
      event_id: { type: 'string' },
      event_type: { type: 'string' },
      destination_id: { type: 'string' },
      trace_id: { type: 'string', description: 'X-Terra-Trace-Id: the same on every attempt' },
      status: {
        type: 'string',
        enum: ['pending', 'delivered', 'failed'],
        description: '`failed` = dead letter (every retry used)',
      },
      attempts: { type: 'integer', minimum: 0 },
      last_status_code: { type: ['integer', 'null'] },
      last_error: { type: ['string', 'null'] },
      next_attempt_at: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the next attempt is due (pending deliveries only)',
      },
      created_at: { type: 'string', format: 'date-time' },
      delivered_at: { type: ['string', 'null'], format: 'date-time' },
    },
    required: [
      'id',
      'event_id',
      'event_type',
      'destination_id',
      'trace_id',
      'status',
      'attempts',
      'last_status_code',
      'last_error',
      'next_attempt_at',
      'created_at',
      'delivered_at',
    ],
  },
  DeliveryAttempt: {
    type: 'object',
    properties: {
      attempt: { type: 'integer', minimum: 1 },
      started_at: { type: 'string', format: 'date-time' },
      duration_ms: { type: 'integer', minimum: 0 },
      status_code: { type: ['integer', 'null'], description: 'The destination’s HTTP status, when there was one' },
      error: { type: ['string', 'null'] },
    },
    required: ['attempt', 'started_at', 'duration_ms', 'status_code', 'error'],
  },
  DeliveryDetail: {
    allOf: [ref('Delivery')],
    properties: {
      attempt_log: { type: 'array', items: ref('DeliveryAttempt'), description: 'Every attempt, oldest first' },
    },
    required: ['attempt_log'],
  },
});

const accepted = (description: string, extra: Record<string, unknown> = {}) =>
  json(description, {
    type: 'object',
    properties: { status: { type: 'string', const: 'accepted' }, ...extra, delivery: ref('Delivery') },
    required: ['status', 'delivery', ...Object.keys(extra)],
  });

registerOperations(
  {
    method: 'post',
    path: '/v2/destinations',
    tag: 'Destinations',
    operation: {
      summary: 'Create a destination',
      operationId: 'Destinations_Create',
      description: `The config is validated against the type's schema and checked with a real connection (400 with the reason when it fails); secret fields are stored encrypted and never returned. Types: ${types.map((t) => `\`${t}\` (${destinationDocsPath(t)})`).join(', ')}.`,
      requestBody: { required: true, content: { 'application/json': { schema: ref('DestinationCreate') } } },
      responses: {
        '201': json(
          'Created; generated secrets (the webhook’s `signing_secret`) are in this answer only',
          ref('DestinationWithSecrets'),
        ),
        '400': apiError('Unknown type, invalid config (`parameter` names the field) or failed connection check'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'get',
    path: '/v2/destinations',
    tag: 'Destinations',
    operation: {
      summary: 'List destinations',
      operationId: 'Destinations_List',
      description: 'The calling developer’s destinations, oldest first.',
      responses: {
        '200': json('The destinations', {
          type: 'object',
          properties: { destinations: { type: 'array', items: ref('Destination') } },
          required: ['destinations'],
        }),
        ...commonErrors,
      },
    },
  },
  {
    method: 'get',
    path: '/v2/destinations/{id}',
    tag: 'Destinations',
    operation: {
      summary: 'Read a destination',
      operationId: 'Destinations_Get',
      parameters: [idParam('destination')],
      responses: {
        '200': json('The destination', ref('Destination')),
        '404': apiError('No such destination'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'patch',
    path: '/v2/destinations/{id}',
    tag: 'Destinations',
    operation: {
      summary: 'Change a destination',
      operationId: 'Destinations_Update',
      description:
        'Changes the given fields; `{"enabled": true}` turns a disabled destination back on. A config change is validated and checked with a real connection again.',
      parameters: [idParam('destination')],
      requestBody: { required: false, content: { 'application/json': { schema: ref('DestinationPatch') } } },
      responses: {
        '200': json('The destination, changed', ref('Destination')),
        '400': apiError('Invalid field, a different `type`, or failed connection check'),
        '404': apiError('No such destination'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'delete',
    path: '/v2/destinations/{id}',
    tag: 'Destinations',
    operation: {
      summary: 'Delete a destination',
      operationId: 'Destinations_Delete',
      description:
        'Its pending deliveries end as `failed` (“destination deleted”) when their next attempt comes; the deliveries log keeps them.',
      parameters: [idParam('destination')],
      responses: {
        '200': json('Deleted', {
          type: 'object',
          properties: {
            status: { type: 'string', const: 'success' },
            message: { type: 'string' },
            id: { type: 'string' },
          },
          required: ['status', 'message', 'id'],
        }),
        '404': apiError('No such destination'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'post',
    path: '/v2/destinations/{id}/rotate-secret',
    tag: 'Destinations',
    operation: {
      summary: 'Rotate the generated secret',
      operationId: 'Destinations_RotateSecret',
      description:
        'Generates a new secret (the webhook’s `signing_secret`); the old one stops signing at once. Only for types whose secret Tributary generates.',
      parameters: [idParam('destination')],
      responses: {
        '200': json('The destination with its new secret (shown only here)', ref('DestinationWithSecrets')),
        '400': apiError('This type has no secret Tributary generates'),
        '404': apiError('No such destination'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'post',
    path: '/v2/destinations/{id}/test',
    tag: 'Destinations',
    operation: {
      summary: 'Send a test (healthcheck) event',
      operationId: 'Destinations_Test',
      description:
        'Queues a `healthcheck` event for this destination only, whether or not it subscribes to healthchecks; follow it with GET /v2/deliveries/{id}.',
      parameters: [idParam('destination')],
      responses: {
        '202': accepted('Queued', { message: { type: 'string' } }),
        '404': apiError('No such destination'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'get',
    path: '/v2/deliveries',
    tag: 'Deliveries',
    operation: {
      summary: 'List deliveries',
      operationId: 'Deliveries_List',
      description:
        'The calling developer’s deliveries, newest first; pass `cursor` back for the next page. `status=failed` lists the dead letters.',
      parameters: [
        {
          name: 'destination_id',
          in: 'query',
          required: false,
          description: 'Only this destination’s deliveries',
          schema: { type: 'string' },
        },
        {
          name: 'status',
          in: 'query',
          required: false,
          schema: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
        },
        {
          name: 'event_id',
          in: 'query',
          required: false,
          description: 'Only the deliveries of this event',
          schema: { type: 'string' },
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: 'The `cursor` of the previous page',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': json('A page of deliveries', {
          type: 'object',
          properties: {
            deliveries: { type: 'array', items: ref('Delivery') },
            cursor: { type: ['string', 'null'], description: 'Pass to read the next page; null on the last page' },
          },
          required: ['deliveries', 'cursor'],
        }),
        '400': apiError('Invalid `status`, `limit` or `cursor` (`parameter` names it)'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'get',
    path: '/v2/deliveries/{id}',
    tag: 'Deliveries',
    operation: {
      summary: 'Read a delivery and its attempts',
      operationId: 'Deliveries_Get',
      parameters: [idParam('delivery')],
      responses: {
        '200': json('The delivery with every attempt', ref('DeliveryDetail')),
        '404': apiError('No such delivery'),
        ...commonErrors,
      },
    },
  },
  {
    method: 'post',
    path: '/v2/deliveries/{id}/redeliver',
    tag: 'Deliveries',
    operation: {
      summary: 'Send a delivery again',
      operationId: 'Deliveries_Redeliver',
      description:
        'Sets the delivery back to `pending` and queues it now, whatever its status (also for `failed` dead letters).',
      parameters: [idParam('delivery')],
      responses: { '202': accepted('Queued'), '404': apiError('No such delivery'), ...commonErrors },
    },
  },
  {
    method: 'get',
    path: '/v2/payloads/{id}',
    tag: 'Deliveries',
    operation: {
      summary: 'Fetch an event from a ping-mode link',
      operationId: 'Deliveries_Payload',
      description: `The \`url\` of an \`s3_payload\` message (ping mode, and SQS/Kafka messages too large to carry the event). No API key: the signature, over developer, event and expiry, is the credential. Valid ${PING_URL_TTL_SECONDS / 60} minutes for webhooks (queues set \`payload_url_ttl_seconds\`).`,
      security: [],
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'The event id', schema: { type: 'string' } },
        { name: 'dev_id', in: 'query', required: true, schema: { type: 'string' } },
        {
          name: 'expires',
          in: 'query',
          required: true,
          description: 'Expiry, unix seconds',
          schema: { type: 'integer' },
        },
        {
          name: 'signature',
          in: 'query',
          required: true,
          description: 'base64url HMAC-SHA256',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': json('The event, as it would have been pushed (Terra’s event JSON)', {
          type: 'object',
          properties: { type: { type: 'string' } },
          required: ['type'],
        }),
        '403': apiError('Missing or invalid signature'),
        '404': apiError('The event no longer exists'),
        '410': apiError('The link has expired'),
        '500': apiError('Delivery is not configured on this server'),
      },
    },
  },
);
