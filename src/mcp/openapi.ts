import { DATA_TYPES } from '../model/data-types.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../api/openapi/index.ts';
import { MCP_LIMITS } from './limits.ts';

/** The OpenAPI description of the MCP routes (GET /openapi.json, docs/openapi.json). */

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
});
const json = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const jsonRpcError = (description: string) =>
  json(description, {
    type: 'object',
    description: 'A JSON-RPC error (from the MCP transport) or, for authentication, the usual error body',
    properties: {
      jsonrpc: { const: '2.0' },
      error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } },
      id: { type: ['string', 'integer', 'null'] },
      message: { type: 'string' },
    },
  });
const MCP_AUTH =
  'Authenticate with a user grant (`Authorization: Bearer trb_mcp_…`, from `POST /v2/mcp/grants` or the consent page), or with the developer key (`dev-id` and `x-api-key`, as on `/v2`).';

describeTag(
  'MCP',
  'Tributary extension: a Model Context Protocol server over users’ health data, for AI agents. Agents connect to `/mcp` (Streamable HTTP) with a developer key or a user grant: a bearer token scoped to one user, some data types and a period, expiring and revocable, minted by the developer or approved by the end user on a hosted consent page. Every tool call is recorded in an audit log.',
);

const grantScopeProperties = {
  user_id: { type: 'string', description: 'The user whose data the grant opens' },
  data_types: {
    type: ['array', 'null'],
    items: { type: 'string', enum: [...DATA_TYPES] },
    description: 'The data types the grant opens; absent or null: every type',
  },
  start_date: {
    type: ['string', 'null'],
    description: 'First day the grant may read (YYYY-MM-DD, UTC) or unix seconds; absent: no lower bound',
  },
  end_date: {
    type: ['string', 'null'],
    description: 'Last day the grant may read, included (YYYY-MM-DD) or unix seconds; absent: no upper bound',
  },
};

registerSchemas({
  McpGrant: {
    type: 'object',
    description: 'A user grant, without its token (shown once, when created).',
    properties: {
      id: { type: 'string', examples: ['mcpg_…'] },
      status: {
        type: 'string',
        enum: ['pending', 'active', 'expired', 'denied', 'revoked'],
        description:
          '`pending`: waiting for the end user on the consent page; `denied`: the end user refused; `expired`: past `expires_at`',
      },
      created_via: { type: 'string', enum: ['api', 'consent'] },
      ...grantScopeProperties,
      expires_at: { type: ['string', 'null'], format: 'date-time', description: 'null while pending' },
      created_at: { type: 'string', format: 'date-time' },
      approved_at: { type: ['string', 'null'], format: 'date-time' },
      revoked_at: { type: ['string', 'null'], format: 'date-time' },
    },
    required: ['id', 'status', 'created_via', 'user_id', 'data_types', 'start_date', 'end_date', 'expires_at'],
  },
  McpAuditEntry: {
    type: 'object',
    description: 'One MCP tool call.',
    properties: {
      id: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
      actor: { type: 'string', enum: ['developer', 'grant'], description: 'Called with the developer key or a grant' },
      grant_id: { type: ['string', 'null'] },
      tool: { type: 'string' },
      user_id: { type: ['string', 'null'], description: 'The user the call read (or asked for, when refused)' },
      start: { type: ['string', 'null'], format: 'date-time', description: 'Start of the period read' },
      end: { type: ['string', 'null'], format: 'date-time', description: 'End of the period read (excluded)' },
      record_count: { type: 'integer', description: 'Records the answer used' },
      outcome: {
        type: 'string',
        enum: ['ok', 'refused', 'error'],
        description: '`refused`: outside the caller’s scope or invalid arguments',
      },
      message: { type: ['string', 'null'], description: 'Why a call was refused' },
    },
    required: ['id', 'created_at', 'actor', 'grant_id', 'tool', 'user_id', 'record_count', 'outcome'],
  },
});

registerOperations(
  {
    method: 'post',
    path: '/mcp',
    tag: 'MCP',
    operation: {
      summary: 'MCP Streamable HTTP endpoint',
      operationId: 'Mcp_Post',
      description: `One JSON-RPC message or batch of the Model Context Protocol (initialize, tools/list, tools/call…), answered as JSON. ${MCP_AUTH} Stateless: no session id; send \`Accept: application/json, text/event-stream\`. Tools: find_users (developer key only), summarize_activity, summarize_sleep, summarize_daily, summarize_body, summarize_nutrition, summarize_menstruation, get_record, compare_periods. Body at most ${MCP_LIMITS.maxBodyBytes} bytes.`,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }],
              description: 'A JSON-RPC 2.0 request, notification or response, or a batch',
            },
          },
        },
      },
      responses: {
        '200': json('The JSON-RPC response(s)', { type: ['object', 'array'] }),
        '202': { description: 'Notifications or responses only: accepted, no body' },
        '400': jsonRpcError('Not a JSON-RPC message'),
        '401': error('No valid grant token or developer key'),
        '406': jsonRpcError('The Accept header does not list application/json and text/event-stream'),
        '413': error('The body is too large'),
        '415': jsonRpcError('The body is not JSON'),
      },
    },
  },
  {
    method: 'get',
    path: '/mcp',
    tag: 'MCP',
    operation: {
      summary: 'MCP server-to-client stream (not offered)',
      operationId: 'Mcp_Get',
      description: `The Streamable HTTP transport's optional server-to-client stream. This server keeps no session and sends nothing unasked, so it answers 405 as the MCP specification provides; clients then use POST alone. ${MCP_AUTH}`,
      responses: {
        '401': error('No valid grant token or developer key'),
        '405': jsonRpcError('No stream at this endpoint: use POST'),
      },
    },
  },
  {
    method: 'get',
    path: '/mcp/consent/{secret}',
    tag: 'MCP',
    operation: {
      summary: 'Consent page (hosted)',
      operationId: 'McpConsent_Page',
      description:
        'The page a consent link opens: who asks for which data, for which dates and how long, with Approve and Deny.',
      security: [],
      parameters: [{ name: 'secret', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'The consent page', content: { 'text/html': { schema: { type: 'string' } } } },
        '410': {
          description: 'The link was used, expired or withdrawn',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  },
  {
    method: 'post',
    path: '/mcp/consent/{secret}',
    tag: 'MCP',
    operation: {
      summary: 'Approve or deny (consent page form)',
      operationId: 'McpConsent_Decide',
      description:
        'The consent page’s form. `decision=approve` mints the grant and shows its token once; `decision=deny` refuses. Either spends the link.',
      security: [],
      parameters: [{ name: 'secret', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: { decision: { type: 'string', enum: ['approve', 'deny'] } },
              required: ['decision'],
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'The outcome page (with the token, once, on approval)',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        '400': { description: 'Neither approve nor deny', content: { 'text/html': { schema: { type: 'string' } } } },
        '410': {
          description: 'The link was used, expired or withdrawn',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  },
);
