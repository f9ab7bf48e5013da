import { developerOf } from '../api/authenticate.ts';
import type { RouteModule } from '../api/context.ts';
import { findUser, parseDateParam } from '../api/params.ts';
import { badParameter, notFound } from '../core/errors.ts';
import { DATA_TYPES, type DataType } from '../model/data-types.ts';
import type { McpAuditEntry, McpGrant, McpGrantScope } from '../store/store.ts';
import { GRANT_EXPIRY } from './limits.ts';

/**
 * `/v2/mcp/*` (developer key): user grants (mint, list, revoke), consent links for the end
 * user to approve a grant, and the audit log of tool calls.
 */
export const mcpApiRoutes: RouteModule = (app, ctx) => {
  app.post('/mcp/grants', async (request, reply) => {
    const devId = developerOf(request).devId;
    const scope = await grantScope(request.body, (userId) => findUser(ctx.store, devId, userId));
    const { grant, token } = await ctx.store.mcpGrants.create(devId, scope);
    return reply.status(201).send({ id: grant.grantId, token, expires_at: iso(grant.expiresMs), ...scopeView(grant) });
  });

  app.post('/mcp/consents', async (request, reply) => {
    const devId = developerOf(request).devId;
    const body = objectBody(request.body);
    const scope = await grantScope(body, (userId) => findUser(ctx.store, devId, userId));
    const redirectUrl = optionalUrl('redirect_url', body.redirect_url);
    const consentExpiresMs = Date.now() + GRANT_EXPIRY.consentLinkSeconds * 1000;
    const { grant, secret } = await ctx.store.mcpGrants.createPending(devId, {
      ...scope,
      consentExpiresMs,
      redirectUrl,
    });
    return reply.status(201).send({
      id: grant.grantId,
      url: `${ctx.config.publicUrl.replace(/\/$/, '')}/mcp/consent/${secret}`,
      expires_at: iso(consentExpiresMs),
      status: grant.status,
      ...scopeView(grant),
    });
  });

  app.get('/mcp/grants', async (request) => {
    const devId = developerOf(request).devId;
    const query = request.query as Record<string, unknown>;
    const userId = optionalText('user_id', query.user_id);
    const limit = optionalLimit(query.limit);
    const grants = await ctx.store.mcpGrants.list(devId, { userId, limit });
    return { grants: grants.map(grantView) };
  });

  app.delete('/mcp/grants/:id', async (request) => {
    const devId = developerOf(request).devId;
    const id = (request.params as { id: string }).id;
    const grant = await ctx.store.mcpGrants.revoke(devId, id);
    if (!grant) throw notFound(`grant ${id} not found`);
    return grantView(grant);
  });

  app.get('/mcp/audit', async (request) => {
    const devId = developerOf(request).devId;
    const query = request.query as Record<string, unknown>;
    const limit = optionalLimit(query.limit);
    const cursor = optionalText('cursor', query.cursor);
    const entries = await ctx.store.mcpAudit.list(devId, {
      userId: optionalText('user_id', query.user_id),
      grantId: optionalText('grant_id', query.grant_id),
      limit: limit + 1,
      before: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return { entries: page.map(auditView), cursor: entries.length > limit && last ? encodeCursor(last) : null };
  });
};

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 500;

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badParameter('body', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** `{user_id, data_types?, start_date?, end_date?, expires_in?}` → the grant's scope. */
async function grantScope(body: unknown, userExists: (userId: string) => Promise<unknown>): Promise<McpGrantScope> {
  const input = objectBody(body);
  const userId = input.user_id;
  if (typeof userId !== 'string' || userId.trim() === '' || userId.length > 256)
    throw badParameter('user_id', 'user_id is required: the user whose data the grant opens');
  const startMs = input.start_date === undefined ? null : dateField('start_date', input.start_date, 'start');
  const endMs = input.end_date === undefined ? null : dateField('end_date', input.end_date, 'end');
  if (startMs !== null && endMs !== null && endMs <= startMs)
    throw badParameter('end_date', 'end_date must not be before start_date');
  const scope: McpGrantScope = {
    userId,
    dataTypes: dataTypes(input.data_types),
    startMs,
    endMs,
    expiresInSeconds: expiresIn(input.expires_in),
  };
  await userExists(userId);
  return scope;
}

function dateField(name: string, value: unknown, role: 'start' | 'end'): number {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)))
    throw badParameter(name, `${name} must be a date as YYYY-MM-DD or unix seconds`);
  const ms = parseDateParam(name, value, role);
  if (!Number.isFinite(new Date(ms).getTime()))
    throw badParameter(name, `${name} is out of range (got ${JSON.stringify(value)})`);
  return ms;
}

function dataTypes(value: unknown): DataType[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > DATA_TYPES.length)
    throw badParameter('data_types', `data_types must be a non-empty list of ${DATA_TYPES.join(', ')}`);
  for (const type of value)
    if (!DATA_TYPES.includes(type as DataType))
      throw badParameter(
        'data_types',
        `data_types holds ${JSON.stringify(String(type).slice(0, 40))}; each must be one of ${DATA_TYPES.join(', ')}`,
      );
  return [...new Set(value as DataType[])];
}

function expiresIn(value: unknown): number {
  if (value === undefined || value === null) return GRANT_EXPIRY.defaultSeconds;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < GRANT_EXPIRY.minSeconds ||
    value > GRANT_EXPIRY.maxSeconds
  )
    throw badParameter(
      'expires_in',
      `expires_in must be whole seconds from ${GRANT_EXPIRY.minSeconds} to ${GRANT_EXPIRY.maxSeconds} (a year)`,
    );
  return value;
}

function optionalUrl(name: string, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 2048) throw badParameter(name, `${name} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badParameter(name, `${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw badParameter(name, `${name} must be an absolute http(s) URL`);
  return url.toString();
}

function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as a string`);
  if (value.length > 256) throw badParameter(name, `${name} is too long`);
  return value;
}

function optionalLimit(value: unknown): number {
  if (value === undefined || value === '') return AUDIT_DEFAULT_LIMIT;
  const text = typeof value === 'string' ? value.trim() : '';
  const n = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > AUDIT_MAX_LIMIT)
    throw badParameter('limit', `limit must be an integer from 1 to ${AUDIT_MAX_LIMIT} (got ${JSON.stringify(value)})`);
  return n;
}

function encodeCursor(entry: McpAuditEntry): string {
  return Buffer.from(`${entry.createdMs}:${entry.auditId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  const match = /^(\d{1,15}):(mcpa_[\w-]{1,80})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2]! };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A bound as the caller gave it: a day (the end day included) when it falls on midnight UTC, else the instant. */
function boundView(ms: number | null, role: 'start' | 'end'): string | null {
  if (ms === null) return null;
  const at = role === 'end' ? ms - 86_400_000 : ms;
  return ms % 86_400_000 === 0 ? new Date(at).toISOString().slice(0, 10) : new Date(ms).toISOString();
}

function scopeView(grant: McpGrant) {
  return {
    user_id: grant.userId,
    data_types: grant.dataTypes,
    start_date: boundView(grant.startMs, 'start'),
    end_date: boundView(grant.endMs, 'end'),
  };
}

/** `expired` is read from the clock: the stored status of an expired grant stays `active`. */
export function grantStatus(grant: McpGrant, now = Date.now()): string {
  if (grant.status === 'active' && grant.expiresMs !== null && grant.expiresMs <= now) return 'expired';
  if (grant.status === 'pending' && grant.consentExpiresMs !== null && grant.consentExpiresMs <= now) return 'expired';
  return grant.status;
}

export function grantView(grant: McpGrant) {
  return {
    id: grant.grantId,
    status: grantStatus(grant),
    created_via: grant.createdVia,
    ...scopeView(grant),
    expires_at: iso(grant.expiresMs),
    created_at: grant.createdAt,
    approved_at: grant.approvedAt,
    revoked_at: grant.revokedAt,
  };
}

function auditView(entry: McpAuditEntry) {
  return {
    id: entry.auditId,
    created_at: entry.createdAt,
    actor: entry.actor,
    grant_id: entry.grantId,
    tool: entry.tool,
    user_id: entry.userId,
    start: iso(entry.startMs),
    end: iso(entry.endMs),
    record_count: entry.recordCount,
    outcome: entry.outcome,
    message: entry.message,
  };
}
