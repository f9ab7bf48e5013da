import type { Delivery } from '../../store/index.ts';
import type { StoredEvent } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { notFound } from '../../core/errors.ts';
import { encodeCursor, getEvent, listEvents } from './events.contract.ts';

export { EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT } from './events.contract.ts';
/** Extra rows read past a cursor so that events sharing the cursor's millisecond are not skipped. */
const CURSOR_OVERLAP = 200;

/**
 * `GET /v2/events`: the developer's outbox events (what Tributary emitted: data, auth,
 * deauth, healthcheck…) created after `since`, oldest first, each with the status of its
 * deliveries — a feed the dashboard reads for its activity counts and recent-events list.
 * Payloads are left out (they can be megabytes); fetch one through a delivery or a payload link.
 */
export const eventRoutes: RouteModule = (app, ctx) => {
  serve(app, listEvents, async ({ query }, request) => {
    const devId = developerOf(request).devId;
    const { user_id: userId, type, limit, position } = query;
    // The store filters on `created_ms > afterMs`; read from the cursor's own millisecond and drop what was already answered.
    const rows = await ctx.store.events.list(devId, {
      userId,
      type,
      afterMs: position.ms - 1,
      limit: limit + 1 + CURSOR_OVERLAP,
    });
    const fresh = rows.filter(
      (e) => e.createdMs > position.ms || (e.createdMs === position.ms && e.eventId > position.id),
    );
    const page = fresh.slice(0, limit);
    const last = page.at(-1);
    const events = [];
    for (const event of page) events.push(eventView(event, await deliveriesOf(ctx, devId, event.eventId)));
    return { events, cursor: fresh.length > limit && last ? encodeCursor(last.createdMs, last.eventId) : null };
  });

  // One event with its payload: the Terra event body exactly as it is sent (the request body of its deliveries).
  serve(app, getEvent, async ({ params }, request) => {
    const devId = developerOf(request).devId;
    const event = await ctx.store.events.get(devId, params.eventId);
    if (!event) throw notFound(`event ${params.eventId} not found`);
    return { ...eventView(event, await deliveriesOf(ctx, devId, event.eventId)), payload: event.payload };
  });
};

async function deliveriesOf(ctx: ApiContext, devId: string, eventId: string): Promise<Delivery[]> {
  if (!ctx.delivery) return [];
  return (await ctx.delivery.deliveries.list(devId, { eventId, limit: 100 })).deliveries;
}

/** `none` (no destination took it), `pending`, `failed` (at least one dead letter) or `delivered` (all). */
export function deliveryStatusOf(deliveries: readonly Delivery[]): 'none' | 'pending' | 'failed' | 'delivered' {
  if (deliveries.length === 0) return 'none';
  if (deliveries.some((d) => d.status === 'failed')) return 'failed';
  if (deliveries.some((d) => d.status === 'pending')) return 'pending';
  return 'delivered';
}

function eventView(event: StoredEvent, deliveries: readonly Delivery[]) {
  return {
    id: event.eventId,
    type: event.type,
    user_id: event.userId,
    reference: event.reference,
    created_at: event.createdAt,
    delivery_status: deliveryStatusOf(deliveries),
    deliveries: deliveries.map((d) => ({
      id: d.deliveryId,
      destination_id: d.destinationId,
      status: d.status,
      attempts: d.attempts,
      last_error: d.lastError,
    })),
  };
}
