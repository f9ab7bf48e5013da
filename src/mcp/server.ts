import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiContext } from '../api/context.ts';
import { TributaryError } from '../core/errors.ts';
import type { McpAuditEntry } from '../store/store.ts';
import type { Principal } from './principal.ts';
import { describeGrantPeriod, ToolRefusal } from './scope.ts';
import { TOOLS, type AuditNote, type ToolDefinition } from './tools.ts';

const TOOL_LIST = TOOLS.map((tool) => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: toJsonSchemaCompat(tool.input) as { type: 'object'; properties?: Record<string, object> },
  annotations: { title: tool.title, readOnlyHint: true, destructiveHint: false, openWorldHint: false },
}));
const BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

/**
 * The MCP server of one HTTP request, bound to its caller (a new one per request: the
 * transport is stateless, so nothing outlives a request, a revocation included). Built on
 * the SDK's low-level Server so that every tools/call, also one with invalid arguments or
 * an unknown tool, passes through `callTool` and is audited.
 */
export function createMcpServer(ctx: ApiContext, principal: Principal): Server {
  const server = new Server(
    { name: 'tributary', title: 'Tributary health data', version: '1' },
    { capabilities: { tools: {} }, instructions: instructionsFor(principal) },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(CallToolRequestSchema, async (request) =>
    callTool(ctx, principal, request.params.name, request.params.arguments),
  );
  return server;
}

function instructionsFor(principal: Principal): string {
  const common =
    'Tributary serves wearable and fitness data in Terra’s model. Summaries cite the records they used (summary_id, provider, time): cite them when you state a figure, and call get_record for detail. Every tool call is recorded in an audit log.';
  if (principal.kind === 'developer')
    return `${common} You act with the developer key of ${principal.developer.name}: over all of its users. Call find_users to find a user_id.`;
  const grant = principal.grant;
  return `${common} You act with a user grant: user ${grant.userId} only; data types: ${grant.dataTypes?.join(', ') ?? 'all'}; period: ${describeGrantPeriod(grant)}; until ${new Date(grant.expiresMs ?? 0).toISOString()}. Calls outside this scope are refused.`;
}

/** Runs one tool call and records it in the audit log, whatever its outcome. */
export async function callTool(
  ctx: ApiContext,
  principal: Principal,
  name: string,
  args: unknown,
): Promise<CallToolResult> {
  const audit: AuditNote = { userId: null, period: null, recordCount: 0 };
  let outcome: McpAuditEntry['outcome'] = 'ok';
  let message: string | null = null;
  let result: CallToolResult;
  const tool = BY_NAME.get(name);
  // The name is the caller's text: stored in the audit log, so cut and without NUL (PostgreSQL refuses it).
  const toolName = tool ? tool.name : name.replaceAll('\u0000', '').slice(0, 64);
  try {
    if (!tool) throw new ToolRefusal(`unknown tool ${JSON.stringify(toolName)}; tools/list names the tools`);
    const answer = await tool.run({ ctx, principal, audit }, parseArguments(tool, args));
    result = { content: [{ type: 'text', text: JSON.stringify(answer) }] };
  } catch (error) {
    const refused = error instanceof ToolRefusal || (error instanceof TributaryError && isCallerFault(error));
    outcome = refused ? 'refused' : 'error';
    message = refused ? error.message : 'internal error';
    if (!refused) ctx.logger.error('mcp tool call failed', { tool: name, error });
    result = { content: [{ type: 'text', text: message }], isError: true };
  }
  await ctx.store.mcpAudit.append(principal.devId, {
    actor: principal.kind,
    grantId: principal.kind === 'grant' ? principal.grant.grantId : null,
    tool: toolName,
    userId: audit.userId,
    startMs: audit.period?.startMs ?? null,
    endMs: audit.period?.endMs ?? null,
    recordCount: audit.recordCount,
    outcome,
    message,
  });
  return result;
}

function parseArguments(tool: ToolDefinition, args: unknown): Record<string, unknown> {
  const parsed = tool.input.strict().safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'arguments';
  throw new ToolRefusal(`invalid arguments for ${tool.name}: ${where}: ${issue.message}`);
}

function isCallerFault(error: TributaryError): boolean {
  return ['bad_request', 'not_found', 'forbidden', 'unauthorized', 'gone'].includes(error.code);
}
