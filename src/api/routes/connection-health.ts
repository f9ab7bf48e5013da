import { badParameter } from '../../core/errors.ts';
import { capabilitiesOf, judgeConnection } from '../../health/connection-health.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { connectionsHealth, uploadLink } from './connection-health.contract.ts';
import { findUser } from '../params.ts';
import type { ConnectionHealthRow } from '../../store/store.ts';

export { HEALTH_DEFAULT_PER_PAGE, HEALTH_MAX_PER_PAGE } from './connection-health.contract.ts';

/**
 * `GET /v2/connections/health`: per user, when data last arrived and when the last sync
 * succeeded or failed, and whether the connection is stale (no data for longer than its
 * provider's cadence, or syncs failing). `stale_count` counts the developer's stale
 * connections whatever the page (the dashboard's overview reads it).
 */
export const connectionHealthRoutes: RouteModule = (app, ctx) => {
  serve(app, connectionsHealth, async ({ query }, request) => {
    const devId = developerOf(request).devId;
    const { user_id: userId, query: search, state, stale: staleOnly, page, per_page: perPage } = query;
    const provider = query.provider?.toUpperCase();
    if (userId !== undefined) await findUser(ctx.store, devId, userId);
    const now = Date.now();
    const judge = (rows: ConnectionHealthRow[]) =>
      rows.map((row) => judgeConnection(row, capabilitiesOf(ctx.providers, row.user.provider), now));
    const filtered = judge(await ctx.store.connectionHealth.list(devId, { userId, query: search, provider, state }));
    const unfiltered = userId ?? search ?? provider ?? state;
    const everyone = unfiltered === undefined ? filtered : judge(await ctx.store.connectionHealth.list(devId));
    const matching = staleOnly === undefined ? filtered : filtered.filter((c) => c.stale === staleOnly);
    return {
      connections: matching.slice(page * perPage, (page + 1) * perPage),
      total: matching.length,
      stale_count: everyone.filter((c) => c.stale).length,
      page,
      max_page: Math.max(0, Math.ceil(matching.length / perPage) - 1),
    };
  });
};

/**
 * `POST /v2/users/{user_id}/upload-link`: a fresh link to the hosted upload page of an
 * existing user of a provider with one (UPLOAD), e.g. to send it again from the dashboard.
 */
export const uploadLinkRoutes: RouteModule = (app, ctx) => {
  serve(app, uploadLink, async ({ params: { user_id: userId } }, request) => {
    const devId = developerOf(request).devId;
    const user = await findUser(ctx.store, devId, userId);
    const provider = ctx.providers.get(user.provider);
    if (!provider?.hostedConnectUrl)
      throw badParameter('user_id', `user ${userId} is a ${user.provider} user: only upload users have an upload page`);
    if (user.state !== 'connected' || !user.active)
      throw badParameter('user_id', `user ${userId} is ${user.active ? user.state : 'inactive'}: no upload link`);
    return { status: 'success', user_id: userId, url: provider.hostedConnectUrl({ devId, userId }) };
  });
};
