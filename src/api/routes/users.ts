import { badParameter, notFound } from '../../core/errors.ts';
import { terraUser, type TerraUser } from '../../delivery/terra-events.ts';
import type { User } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { findUser } from '../params.ts';

/** Terra's default page size for GET /subscriptions. */
export const DEFAULT_PER_PAGE = 500;
/** Upper bound on one page, so a single request cannot ask for the whole table at once. */
export const MAX_PER_PAGE = 10_000;
/** Upper bound on ids in one POST /bulkUserInfo. */
export const MAX_BULK_IDS = 1_000;

/**
 * Terra's user endpoints: GET /userInfo, GET /subscriptions, POST /bulkUserInfo,
 * PATCH /users/{user_id}. Every lookup is scoped to the calling developer; another
 * developer's user is indistinguishable from an unknown one (404, or absent in lists).
 */
export const userRoutes: RouteModule = (app, ctx) => {
  /** By user_id → `{user, status, is_authenticated}`; by reference_id → bare TerraUser[] (possibly empty). */
  app.get('/userInfo', async (request) => {
    const dev = developerOf(request);
    const query = request.query as Record<string, unknown>;
    const userId = optionalString('user_id', query.user_id);
    const referenceId = optionalString('reference_id', query.reference_id);
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
  app.get('/subscriptions', async (request) => {
    const dev = developerOf(request);
    const query = request.query as Record<string, unknown>;
    const paged = present(query.page) || present(query.per_page);
    if (!paged) {
      const { users } = await ctx.store.users.list(dev.devId);
      return { users: users.map(terraUser) };
    }
    const page = present(query.page) ? integerParam('page', query.page, 0, Number.MAX_SAFE_INTEGER) : 0;
    const perPage = present(query.per_page)
      ? integerParam('per_page', query.per_page, 1, MAX_PER_PAGE)
      : DEFAULT_PER_PAGE;
    const { users, total } = await ctx.store.users.list(dev.devId, { page, perPage });
    const maxPage = Math.max(0, Math.ceil(total / perPage) - 1);
    return { data: { next: page < maxPage ? page + 1 : null, max_page: maxPage, results: users.map(terraUser) } };
  });

  /**
   * A JSON array of user ids → the developer's users among them, in request order.
   * Unknown ids (and other developers' ids) are left out rather than failing the whole
   * call; duplicates are answered once.
   */
  app.post('/bulkUserInfo', async (request) => {
    const dev = developerOf(request);
    const ids = request.body;
    if (!Array.isArray(ids)) throw badParameter('body', 'the body must be a JSON array of user_id strings');
    if (ids.length > MAX_BULK_IDS)
      throw badParameter('body', `at most ${MAX_BULK_IDS} user ids per request (got ${ids.length})`);
    const found: TerraUser[] = [];
    const seen = new Set<string>();
    for (const [index, id] of ids.entries()) {
      if (typeof id !== 'string' || id === '')
        throw badParameter(`body[${index}]`, `body[${index}] must be a user_id string (got ${JSON.stringify(id)})`);
      if (seen.has(id)) continue;
      seen.add(id);
      const user = await ctx.store.users.get(dev.devId, id);
      if (user) found.push(terraUser(user));
    }
    return found;
  });

  /** `{reference_id?, active?}` → `{user, status}`. reference_id null clears it. */
  app.patch('/users/:user_id', async (request) => {
    const dev = developerOf(request);
    const { user_id: userId } = request.params as { user_id: string };
    // The SDK always sends a JSON object; no body at all is a no-op too.
    const body = request.body === undefined ? {} : request.body;
    if (typeof body !== 'object' || Array.isArray(body) || body === null)
      throw badParameter('body', 'the body must be a JSON object {reference_id?, active?}');
    const patch: { referenceId?: string | null; active?: boolean } = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === 'reference_id') {
        if (value !== null && typeof value !== 'string')
          throw badParameter('reference_id', `reference_id must be a string or null (got ${JSON.stringify(value)})`);
        patch.referenceId = value;
      } else if (key === 'active') {
        if (typeof value !== 'boolean')
          throw badParameter('active', `active must be true or false (got ${JSON.stringify(value)})`);
        patch.active = value;
      } else {
        throw badParameter(key, `unknown field ${key}: PATCH /users/{user_id} accepts reference_id and active`);
      }
    }
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

function present(value: unknown): boolean {
  return value !== undefined && value !== '';
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
  return value;
}

function integerParam(name: string, value: unknown, min: number, max: number): number {
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (!/^\d+$/.test(text)) throw badParameter(name, `${name} must be an integer (got ${JSON.stringify(value)})`);
  const n = Number(text);
  if (n < min || n > max) throw badParameter(name, `${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}
