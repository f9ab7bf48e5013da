import { badParameter, notFound } from '../../core/errors.ts';
import { serve } from '../contract/index.ts';
import { bulkUserInfo, DEFAULT_PER_PAGE, subscriptions, updateUser, userInfo } from './users.contract.ts';
import { terraUser, type TerraUser } from '../../delivery/terra-events.ts';
import type { User } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { findUser } from '../params.ts';

export { DEFAULT_PER_PAGE, MAX_BULK_IDS, MAX_PER_PAGE } from './users.contract.ts';

/**
 * Terra's user endpoints: GET /userInfo, GET /subscriptions, POST /bulkUserInfo,
 * PATCH /users/{user_id}. Every lookup is scoped to the calling developer; another
 * developer's user is indistinguishable from an unknown one (404, or absent in lists).
 */
export const userRoutes: RouteModule = (app, ctx) => {
  /** By user_id → `{user, status, is_authenticated}`; by reference_id → bare TerraUser[] (possibly empty). */
  serve(app, userInfo, async ({ query }, request) => {
    const dev = developerOf(request);
    const { user_id: userId, reference_id: referenceId } = query;
    if (userId !== undefined) {
      const user = await findUser(ctx.store, dev.devId, userId);
      if (referenceId !== undefined && user.referenceId !== referenceId) {
        throw badParameter('reference_id', `user ${userId} does not have reference_id ${JSON.stringify(referenceId)}`);
      }
      return { user: terraUser(user), status: 'success', is_authenticated: isAuthenticated(user) };
    }
    if (referenceId !== undefined) return (await ctx.store.users.byReferenceId(dev.devId, referenceId)).map(terraUser);
    throw badParameter('user_id', 'missing required parameter user_id (or reference_id)');
  });

  /** Unpaged `{users}`; with page (zero-based) and/or per_page → `{data: {next, max_page, results}}`. */
  serve(app, subscriptions, async ({ query }, request) => {
    const dev = developerOf(request);
    if (query.page === undefined && query.per_page === undefined) {
      const { users } = await ctx.store.users.list(dev.devId);
      return { users: users.map(terraUser) };
    }
    const page = query.page ?? 0;
    const perPage = query.per_page ?? DEFAULT_PER_PAGE;
    const { users, total } = await ctx.store.users.list(dev.devId, { page, perPage });
    const maxPage = Math.max(0, Math.ceil(total / perPage) - 1);
    return { data: { next: page < maxPage ? page + 1 : null, max_page: maxPage, results: users.map(terraUser) } };
  });

  /**
   * A JSON array of user ids → the developer's users among them, in request order.
   * Unknown ids (and other developers' ids) are left out rather than failing the whole
   * call; duplicates are answered once.
   */
  serve(app, bulkUserInfo, async ({ body: ids }, request) => {
    const dev = developerOf(request);
    const found: TerraUser[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const user = await ctx.store.users.get(dev.devId, id);
      if (user) found.push(terraUser(user));
    }
    return found;
  });

  /** `{reference_id?, active?}` → `{user, status}`. reference_id null clears it. */
  serve(app, updateUser, async ({ params, body }, request) => {
    const dev = developerOf(request);
    const userId = params.user_id;
    const patch: { referenceId?: string | null; active?: boolean } = {};
    if (body.reference_id !== undefined) patch.referenceId = body.reference_id;
    if (body.active !== undefined) patch.active = body.active;
    const user = await findUser(ctx.store, dev.devId, userId);
    if (Object.keys(patch).length === 0) return { user: terraUser(user), status: 'success' };
    const updated = await ctx.store.users.update(dev.devId, userId, patch);
    // Undefined only when the user was deleted between the two statements.
    if (!updated) throw notFound(`user ${userId} not found`);
    return { user: terraUser(updated), status: 'success' };
  });
};

/** A user whose connection is established (or needs a reconnect but still exists at the provider). */
function isAuthenticated(user: User): boolean {
  return user.state === 'connected';
}
