import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { checked, defineTerraRoute, httpField, optionalText } from '../contract/index.ts';

/** The TerraUser every user endpoint answers (built by `terraUser`). */
export type { TerraUser } from '../../delivery/terra-events.ts';

/** Terra's default page size for GET /subscriptions. */
export const DEFAULT_PER_PAGE = 500;
/** Upper bound on one page, so a single request cannot ask for the whole table at once. */
export const MAX_PER_PAGE = 10_000;
/** Upper bound on ids in one POST /bulkUserInfo. */
export const MAX_BULK_IDS = 1_000;

/** An optional integer in [min, max] (absent or empty: `undefined`), in the words GET /subscriptions always used. */
const pageNumber = (min: number, max: number) =>
  httpField(
    { type: 'integer', minimum: min, ...(max < Number.MAX_SAFE_INTEGER ? { maximum: max } : {}) },
    (value, name) => {
      if (value === undefined || value === '') return undefined;
      const text = typeof value === 'string' ? value.trim() : String(value);
      if (!/^\d+$/.test(text)) throw badParameter(name, `${name} must be an integer (got ${JSON.stringify(value)})`);
      const n = Number(text);
      if (n < min || n > max) throw badParameter(name, `${name} must be between ${min} and ${max} (got ${n})`);
      return n;
    },
    { optional: true },
  );

/** GET /userInfo: by user_id, or every user with a reference_id. */
export const userInfo = defineTerraRoute({
  method: 'get',
  path: '/v2/userInfo',
  query: z.object({ user_id: optionalText(), reference_id: optionalText() }),
});

/** GET /subscriptions: unpaged, or paged when page or per_page is given. */
export const subscriptions = defineTerraRoute({
  method: 'get',
  path: '/v2/subscriptions',
  query: z.object({ page: pageNumber(0, Number.MAX_SAFE_INTEGER), per_page: pageNumber(1, MAX_PER_PAGE) }),
});

/** POST /bulkUserInfo: a JSON array of user ids. */
export const bulkUserInfo = defineTerraRoute({
  method: 'post',
  path: '/v2/bulkUserInfo',
  body: checked(z.array(z.string().min(1)).max(MAX_BULK_IDS), (ids) => {
    if (!Array.isArray(ids)) throw badParameter('body', 'the body must be a JSON array of user_id strings');
    if (ids.length > MAX_BULK_IDS)
      throw badParameter('body', `at most ${MAX_BULK_IDS} user ids per request (got ${ids.length})`);
    for (const [index, id] of ids.entries())
      if (typeof id !== 'string' || id === '')
        throw badParameter(`body[${index}]`, `body[${index}] must be a user_id string (got ${JSON.stringify(id)})`);
    return ids;
  }),
});

/** PATCH /users/{user_id}: `{reference_id?, active?}` (no body at all: nothing to change). */
export const updateUser = defineTerraRoute({
  method: 'patch',
  path: '/v2/users/{user_id}',
  params: z.object({ user_id: z.string() }),
  body: checked(
    z.object({ reference_id: z.string().nullable().optional(), active: z.boolean().optional() }).strict(),
    (value) => {
      // The SDK always sends a JSON object; no body at all is a no-op too.
      const body = value === undefined ? {} : value;
      if (typeof body !== 'object' || Array.isArray(body) || body === null)
        throw badParameter('body', 'the body must be a JSON object {reference_id?, active?}');
      for (const [key, field] of Object.entries(body)) {
        if (key === 'reference_id') {
          if (field !== null && typeof field !== 'string')
            throw badParameter('reference_id', `reference_id must be a string or null (got ${JSON.stringify(field)})`);
        } else if (key === 'active') {
          if (typeof field !== 'boolean')
            throw badParameter('active', `active must be true or false (got ${JSON.stringify(field)})`);
        } else {
          throw badParameter(key, `unknown field ${key}: PATCH /users/{user_id} accepts reference_id and active`);
        }
      }
      return body;
    },
  ),
});
