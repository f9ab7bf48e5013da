import { terraUser } from '../../delivery/terra-events.ts';
import { storeRecords } from '../../ingest/store-records.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { findUser } from '../params.ts';
import { DATA_DELETES, DATA_WRITES, DELETABLE, WRITABLE } from './writes.contract.ts';

/**
 * Terra's writes and deletes, kept in Tributary's own store (no provider write-back):
 * POST /activity, /body, /nutrition, /plannedWorkout with `{data: [...]}` and DELETE
 * /body (`{log_ids}`), /nutrition and /plannedWorkout (`{data}`).
 *
 * Terra's contract names no target user for POST /activity, /body and /nutrition, so
 * Tributary requires `user_id` in the query on every write (as Terra does for
 * /plannedWorkout). Records are upserted by their natural key, and those keys are the
 * `log_ids` answered in posted order. Writes go through `storeRecords`, so they emit the
 * same data events as provider data.
 */
export const writeRoutes: RouteModule = (app, ctx) => {
  for (const type of WRITABLE) {
    serve(app, DATA_WRITES[type], async ({ query, body }, request, reply) => {
      const dev = developerOf(request);
      const userId = query.user_id;
      const records = body.data;
      const user = await findUser(ctx.store, dev.devId, userId);
      const { keys, eventId } = await storeRecords(ctx.store, { user, type, records });
      // Wake the dispatcher now rather than at its next poll.
      if (eventId) ctx.eventsCommitted.notify();
      const fresh = (await ctx.store.users.get(dev.devId, userId)) ?? user;
      const noun = records.length === 1 ? 'record' : 'records';
      return reply
        .status(201)
        .send({ user: terraUser(fresh), log_ids: keys, message: `${records.length} ${type} ${noun} stored` });
    });
  }

  for (const { type, idsField } of DELETABLE) {
    serve(app, DATA_DELETES[type], async ({ query, body }, request, reply) => {
      const dev = developerOf(request);
      const userId = query.user_id;
      const ids = (body as Record<typeof idsField, string[]>)[idsField];
      const user = await findUser(ctx.store, dev.devId, userId);
      const deleted = new Set(await ctx.store.records.delete(dev.devId, userId, type, [...new Set(ids)]));
      const processed = ids.map((id) => ({ id, response_code: deleted.has(id) ? 200 : 404 }));
      const allDeleted = processed.every((item) => item.response_code === 200);
      return reply.status(allDeleted ? 200 : 207).send({ user: terraUser(user), processed_data: processed });
    });
  }
};
