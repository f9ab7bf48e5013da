import type { Delivery, StoredDestination } from '../../delivery/repo.ts';
import type { DeliveryService } from '../../delivery/service.ts';
import { TributaryError } from '../../core/errors.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';

/**
 * Destinations (Terra configures them in its dashboard; here it is an API with the same
 * dev-id/x-api-key auth): CRUD, secret rotation and a test send.
 */
export const destinationRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  app.post('/destinations', async (request, reply) => {
    const { destination, generatedSecrets } = await service().createDestination(developerOf(request).devId, request.body);
    return reply.status(201).send({ ...destinationView(destination), ...generatedSecrets });
  });
  app.get('/destinations', async (request) => {
    const list = await service().repo.listDestinations(developerOf(request).devId);
    return { destinations: list.map(destinationView) };
  });
  app.get('/destinations/:id', async (request) => destinationView(await service().getDestination(developerOf(request).devId, idOf(request.params))));
  app.patch('/destinations/:id', async (request) => destinationView(await service().updateDestination(developerOf(request).devId, idOf(request.params), request.body ?? {})));
  app.delete('/destinations/:id', async (request) => {
    const id = idOf(request.params);
    await service().deleteDestination(developerOf(request).devId, id);
    return { status: 'success', message: `destination ${id} deleted`, id };
  });
  app.post('/destinations/:id/rotate-secret', async (request) => {
    const { destination, generatedSecrets } = await service().rotateSecret(developerOf(request).devId, idOf(request.params));
    return { ...destinationView(destination), ...generatedSecrets };
  });
  app.post('/destinations/:id/test', async (request, reply) => {
    const delivery = await service().sendTest(developerOf(request).devId, idOf(request.params));
    return reply.status(202).send({ status: 'accepted', message: 'a healthcheck event is on its way', delivery: deliveryView(delivery) });
  });
};

/** Deliveries log: one row per event × destination, with retry state; dead letters are `failed`. */
export const deliveryRoutes: RouteModule = (app, ctx) => {
  const service = () => requireDelivery(ctx);
  app.get('/deliveries', async (request) => {
    const { deliveries, nextCursor } = await service().listDeliveries(developerOf(request).devId, request.query as Record<string, unknown>);
    return { deliveries: deliveries.map(deliveryView), cursor: nextCursor };
  });
  app.get('/deliveries/:id', async (request) => {
    const devId = developerOf(request).devId;
    const id = idOf(request.params);
    const delivery = await service().repo.getDelivery(devId, id);
    if (!delivery) throw new TributaryError('not_found', `delivery ${id} not found`);
    const attempts = await service().repo.attempts(devId, id);
    return {
      ...deliveryView(delivery),
      attempt_log: attempts.map((a) => ({ attempt: a.attempt, started_at: a.startedAt, duration_ms: a.durationMs, status_code: a.statusCode, error: a.error })),
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
    const verdict = devId && Number.isInteger(expires) && signature ? service().payloadCheck(devId, id, expires, signature) : 'invalid';
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
    next_attempt_at: d.nextAttemptAt === null || d.status !== 'pending' ? null : new Date(d.nextAttemptAt).toISOString(),
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}
