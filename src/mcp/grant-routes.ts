import { developerOf } from '../api/authenticate.ts';
import type { RouteModule } from '../api/context.ts';
import { serve } from '../api/contract/index.ts';
import { findUser } from '../api/params.ts';
import { badParameter, notFound } from '../core/errors.ts';
import type { DataType } from '../model/data-types.ts';
import type { McpAuditEntry, McpGrant, McpGrantScope, McpGrantStatus } from '../store/store.ts';
import { createConsent, createGrant, listAudit, listGrants, revokeGrant } from './contract.ts';
import { GRANT_EXPIRY } from './limits.ts';

/**
 * `/v2/mcp/*` (developer key): user grants (mint, list, revoke), consent links for the end
 * user to approve a grant, and the audit log of tool calls.
 */
export const mcpApiRoutes: RouteModule = (app, ctx) => {
  serve(app, createGrant, async ({ body }, request, reply) => {
    const devId = developerOf(request).devId;
    const scope = await grantScope(body, (userId) => findUser(ctx.store, devId, userId));
    const { grant, token } = await ctx.store.mcpGrants.create(devId, scope);
    return reply.status(201).send({ id: grant.grantId, token, expires_at: iso(grant.expiresMs), ...scopeView(grant) });
  });

  serve(app, createConsent, async ({ body }, request, reply) => {
    const devId = developerOf(request).devId;
    const scope = await grantScope(body, (userId) => findUser(ctx.store, devId, userId));
    const consentExpiresMs = Date.now() + GRANT_EXPIRY.consentLinkSeconds * 1000;
    const { grant, secret } = await ctx.store.mcpGrants.createPending(devId, {
      ...scope,
      consentExpiresMs,
      redirectUrl: body.redirect_url,
    });
    return reply.status(201).send({
      id: grant.grantId,
      url: `${ctx.config.publicUrl.replace(/\/$/, '')}/mcp/consent/${secret}`,
      expires_at: iso(consentExpiresMs),
      status: grant.status,
      ...scopeView(grant),
    });
  });

  serve(app, listGrants, async ({ query }, request) => {
    const grants = await ctx.store.mcpGrants.list(developerOf(request).devId, query);
    return { grants: grants.map(grantView) };
  });

  serve(app, revokeGrant, async ({ params }, request) => {
    const grant = await ctx.store.mcpGrants.revoke(developerOf(request).devId, params.id);
    if (!grant) throw notFound(`grant ${params.id} not found`);
    return grantView(grant);
  });

  serve(app, listAudit, async ({ query }, request) => {
    const entries = await ctx.store.mcpAudit.list(developerOf(request).devId, {
      userId: query.user_id,
      grantId: query.grant_id,
      limit: query.limit + 1,
      before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const page = entries.slice(0, query.limit);
    const last = page.at(-1);
    return {
      entries: page.map(auditView),
      cursor: entries.length > query.limit && last ? encodeCursor(last) : null,
    };
  });
};

interface GrantBody {
  user_id: string;
  data_types: DataType[] | null;
  start_date: number | null;
  end_date: number | null;
  expires_in: number;
}

/** The validated body as a grant's scope, once the period is ordered and the user exists. */
async function grantScope(body: GrantBody, userExists: (userId: string) => Promise<unknown>): Promise<McpGrantScope> {
  if (body.start_date !== null && body.end_date !== null && body.end_date <= body.start_date)
    throw badParameter('end_date', 'end_date must not be before start_date');
  await userExists(body.user_id);
  return {
    userId: body.user_id,
    dataTypes: body.data_types,
    startMs: body.start_date,
    endMs: body.end_date,
    expiresInSeconds: body.expires_in,
  };
}

function encodeCursor(entry: McpAuditEntry): string {
  return Buffer.from(`${entry.createdMs}:${entry.auditId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  const match = /^(\d{1,15}):(mcpa_[\w-]{1,80})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badParameter('cursor', 'cursor is not one returned by this endpoint');
  return { ms: Number(match[1]), id: match[2] };
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
export function grantStatus(grant: McpGrant, now = Date.now()): McpGrantStatus | 'expired' {
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
