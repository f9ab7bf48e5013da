import type { z } from 'zod';
import type { Delivery as StoredDelivery, StoredDestination } from '../../store/index.ts';
import type { DeliveryService } from '../../delivery/service.ts';
import { TributaryError, badParameter } from '../../core/errors.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import {
  COMMON_DESTINATION_FIELDS,
  configFieldsOf,
  createDestination,
  deleteDestination,
  destinationTypesView,
  fetchPayload,
  getDelivery,
  getDestination,
  listDeliveries,
  listDestinations,
  listDestinationTypes,
  redeliverDelivery,
  rotateDestinationSecret,
  testDestination,
  updateDestination,
  type Delivery,
  type Destination,
} from './destinations.contract.ts';

export { DESTINATION_CONFIG_SCHEMAS, destinationDocsPath } from './destinations.contract.ts';

/**
 * Destinations (Terra configures them in its dashboard; here it is an API with the same
 * dev-id/x-api-key auth): CRUD, secret rotation and a test send. Each route's contract is in
 * destinations.contract.ts.
 */
export const destinationRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  serve(app, createDestination, async ({ body }, request, reply) => {
    rejectUnknownFields(body.type, body);
    const { destination, generatedSecrets } = await service().createDestination(developerOf(request).devId, body);
    return reply.status(201).send({ ...destinationView(destination), ...generatedSecrets });
  });
  serve(app, listDestinationTypes, async () => destinationTypesView());
  serve(app, listDestinations, async (_input, request) => {
    const list = await service().destinations.list(developerOf(request).devId);
    return { destinations: list.map(destinationView) };
  });
  serve(app, getDestination, async ({ params }, request) =>
    destinationView(await service().getDestination(developerOf(request).devId, params.id)),
  );
  serve(app, updateDestination, async ({ params, body }, request) => {
    const devId = developerOf(request).devId;
    if (body) rejectUnknownFields((await service().getDestination(devId, params.id)).type, body);
    return destinationView(await service().updateDestination(devId, params.id, body ?? {}));
  });
  serve(app, deleteDestination, async ({ params }, request) => {
    await service().deleteDestination(developerOf(request).devId, params.id);
    return { status: 'success' as const, message: `destination ${params.id} deleted`, id: params.id };
  });
  serve(app, rotateDestinationSecret, async ({ params }, request) => {
    const { destination, generatedSecrets } = await service().rotateSecret(developerOf(request).devId, params.id);
    return { ...destinationView(destination), ...generatedSecrets };
  });
  serve(app, testDestination, async ({ params }, request, reply) => {
    const delivery = await service().sendTest(developerOf(request).devId, params.id);
    return reply
      .status(202)
      .send({ status: 'accepted', message: 'a healthcheck event is on its way', delivery: deliveryView(delivery) });
  });
};

/** Deliveries log: one row per event × destination, with retry state; dead letters are `failed`. */
export const deliveryRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  serve(app, listDeliveries, async ({ query }, request) => {
    const devId = developerOf(request).devId;
    const { deliveries, nextCursor } = await service().listDeliveries(devId, query);
    const live = await liveDestinations(service(), devId);
    return { deliveries: deliveries.map((d) => deliveryView(d, live)), cursor: nextCursor };
  });
  serve(app, getDelivery, async ({ params }, request) => {
    const devId = developerOf(request).devId;
    const delivery = await service().deliveries.get(devId, params.id);
    if (!delivery) throw new TributaryError('not_found', `delivery ${params.id} not found`);
    const attempts = await service().deliveries.attempts(devId, params.id);
    return {
      ...deliveryView(delivery, await liveDestinations(service(), devId)),
      attempt_log: attempts.map((a) => ({
        attempt: a.attempt,
        started_at: a.startedAt,
        duration_ms: a.durationMs,
        status_code: a.statusCode,
        error: a.error,
      })),
    };
  });
  serve(app, redeliverDelivery, async ({ params }, request, reply) => {
    const delivery = await service().redeliver(developerOf(request).devId, params.id);
    return reply.status(202).send({ status: 'accepted', delivery: deliveryView(delivery) });
  });

  // Ping mode (s3_payload): a signed, expiring link to one event; the signature is the credential.
  serve(app, fetchPayload, async ({ params, query }) => {
    const expires = Number(query.expires);
    const verdict =
      query.dev_id && Number.isInteger(expires) && query.signature
        ? service().payloadCheck(query.dev_id, params.id, expires, query.signature)
        : 'invalid';
    if (verdict === 'expired') throw new TributaryError('gone', 'this payload link has expired');
    if (verdict !== 'ok') throw new TributaryError('forbidden', 'invalid payload link signature');
    return (await service().payloadFor(query.dev_id, params.id)).payload as z.input<
      (typeof fetchPayload)['responses'][200]['schema']
    >;
  });
};

/**
 * A create or patch body may hold the common fields and the type's config fields (at the top
 * level, or under `config`); anything else is a typo the caller should hear about.
 */
function rejectUnknownFields(type: string, body: Record<string, unknown>): void {
  const known = configFieldsOf(type);
  if (known.length === 0) return;
  const config = body.config as Record<string, unknown> | undefined;
  const unknown = config
    ? Object.keys(config)
        .filter((key) => !known.includes(key))
        .map((key) => `config.${key}`)
    : Object.keys(body).filter((key) => !COMMON_DESTINATION_FIELDS.includes(key) && !known.includes(key));
  if (unknown.length > 0)
    throw badParameter(
      unknown[0],
      `unknown body field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} for a ${type} destination (its fields: ${[...COMMON_DESTINATION_FIELDS, ...known].join(', ')})`,
    );
}

function requireDelivery(ctx: ApiContext): DeliveryService {
  if (!ctx.delivery) throw new TributaryError('internal', 'delivery is not configured on this server');
  return ctx.delivery;
}

export function destinationView(d: StoredDestination): z.input<typeof Destination> {
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

/** The ids of the developer's destinations that still exist. */
async function liveDestinations(service: DeliveryService, devId: string): Promise<ReadonlySet<string>> {
  return new Set((await service.destinations.list(devId)).map((d) => d.destinationId));
}

/** `live`: the developer's existing destination ids, to mark deliveries of deleted ones. */
export function deliveryView(d: StoredDelivery, live?: ReadonlySet<string>): z.input<typeof Delivery> {
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
    ...(live && !live.has(d.destinationId) ? { destination_deleted: true as const } : {}),
  };
}
