import type { FastifyRequest } from 'fastify';
import { TributaryError } from '../core/errors.ts';
import type { Developer, McpGrant, Store } from '../store/store.ts';

/**
 * Who calls the MCP server. A developer key (`dev-id` + `x-api-key`, as on `/v2`) acts for
 * the developer over all their users; a user grant (`Authorization: Bearer trb_mcp_…`) acts
 * for one user, within the grant's data types and period, until it expires or is revoked.
 */
export type Principal =
  | { kind: 'developer'; devId: string; developer: Developer }
  | { kind: 'grant'; devId: string; developer: Developer; grant: McpGrant };

/**
 * Authenticates an MCP request. Runs on every HTTP request (the server keeps no session), so
 * a revoked or expired grant stops working at its next request.
 */
export async function authenticateMcp(store: Store, request: FastifyRequest): Promise<Principal> {
  const authorization = header(request, 'authorization');
  const devId = header(request, 'dev-id');
  const apiKey = header(request, 'x-api-key');
  if (authorization !== undefined) {
    if (devId !== undefined || apiKey !== undefined)
      throw unauthorized(
        'send either a user grant (Authorization: Bearer) or a developer key (dev-id, x-api-key), not both',
      );
    const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <grant token>"');
    const grant = await store.mcpGrants.authenticate(match[1]);
    if (!grant) throw unauthorized('the grant token is unknown, expired or revoked');
    const developer = await store.developers.get(grant.devId);
    if (!developer) throw unauthorized('the grant token is unknown, expired or revoked');
    return { kind: 'grant', devId: grant.devId, developer, grant };
  }
  if (!devId || !apiKey)
    throw unauthorized(
      `missing ${devId ? 'x-api-key' : apiKey ? 'dev-id' : 'credentials'}: send a user grant (Authorization: Bearer <token>) or your dev-id and x-api-key`,
    );
  const developer = await store.developers.authenticate(devId, apiKey);
  if (!developer) throw unauthorized('invalid dev-id or x-api-key');
  return { kind: 'developer', devId: developer.devId, developer };
}

function unauthorized(message: string): TributaryError {
  return new TributaryError('unauthorized', message);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
