import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext, RouteModule } from '../api/context.ts';
import { serve as serveRoute } from '../api/contract/index.ts';
import { TributaryError } from '../core/errors.ts';
import { mcpGet, mcpPost } from './contract.ts';
import { MCP_LIMITS } from './limits.ts';
import { authenticateMcp } from './principal.ts';
import type { createMcpServer } from './server.ts';

/**
 * The MCP SDK (and the server built on it) loads on the first /mcp request, not at start-up:
 * it is the largest library a server that never sees an agent would otherwise import.
 */
let sdk:
  | Promise<{
      createMcpServer: typeof createMcpServer;
      Transport: typeof WebStandardStreamableHTTPServerTransport;
    }>
  | undefined;
function loadSdk() {
  sdk ??= Promise.all([
    import('./server.ts'),
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
  ]).then(
    ([server, transport]) => ({
      createMcpServer: server.createMcpServer,
      Transport: transport.WebStandardStreamableHTTPServerTransport,
    }),
    (error: unknown) => {
      sdk = undefined;
      throw error;
    },
  );
  return sdk;
}

/**
 * `POST|GET /mcp`: MCP's Streamable HTTP transport, through the SDK's own transport in its
 * stateless mode with JSON answers. Every request is authenticated anew and gets a fresh
 * server bound to its caller, so any API process can answer any request and a revoked grant
 * is refused at its next request. With no session and nothing the server sends unasked, GET
 * (the optional server-to-client stream) is answered 405, as the specification provides.
 */
export const mcpTransportRoutes: RouteModule = (app, ctx) => {
  serveRoute(
    app,
    mcpPost,
    async (_input, request, reply) => {
      const principal = await authenticateMcp(ctx.store, request);
      const { createMcpServer, Transport } = await loadSdk();
      return serve(ctx, request, reply, createMcpServer(ctx, principal), Transport);
    },
    { bodyLimit: MCP_LIMITS.maxBodyBytes, emptyJsonBody: false },
  );
  serveRoute(app, mcpGet, async (_input, request, reply) => {
    await authenticateMcp(ctx.store, request);
    return reply
      .status(405)
      .header('allow', 'POST')
      .type('application/json')
      .send(
        jsonRpcError(
          'Method not allowed: this server offers no server-to-client stream (stateless Streamable HTTP); POST JSON-RPC messages to /mcp',
        ),
      );
  });
};

async function serve(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  server: ReturnType<typeof createMcpServer>,
  Transport: Awaited<ReturnType<typeof loadSdk>>['Transport'],
) {
  const transport = new Transport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(webRequest(request), { parsedBody: request.body });
    reply.status(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding') reply.header(name, value);
    });
    const body = await response.text();
    return reply.send(body === '' ? undefined : body);
  } finally {
    await server.close().catch((error: unknown) => ctx.logger.warn('mcp: closing a server failed', { error }));
  }
}

/** The Fetch API request the SDK's transport reads (the body is handed over already parsed). */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'content-length' || name === 'host') continue;
    try {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    } catch {
      throw new TributaryError('bad_request', `header ${name} holds characters HTTP does not allow`);
    }
  }
  return new Request(`http://tributary.local${request.url}`, { method: request.method, headers });
}

function jsonRpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}
