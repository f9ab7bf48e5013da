import { z } from 'zod';
import {
  apiError,
  component,
  defineRoute,
  httpField,
  integerParam,
  json,
  optionalText,
  requiredText,
  unauthorized,
} from '../api/contract/index.ts';
import { parseDateParam } from '../api/params.ts';
import { badParameter } from '../core/errors.ts';
import { DATA_TYPES, type DataType } from '../model/data-types.ts';
import { describeTag } from '../api/openapi/index.ts';
import { GRANT_EXPIRY, MCP_LIMITS } from './limits.ts';

/**
 * The HTTP contract of the MCP routes: each route's parameters, body and answers, declared
 * once. grant-routes.ts serves `/v2/mcp/*`, transport.ts `/mcp`, consent-page.ts the hosted
 * consent page; the OpenAPI document is read from here.
 */

describeTag(
  'MCP',
  'Tributary extension: a Model Context Protocol server over users’ health data, for AI agents. Agents connect to `/mcp` (Streamable HTTP) with a developer key or a user grant: a bearer token scoped to one user, some data types and a period, expiring and revocable, minted by the developer or approved by the end user on a hosted consent page. Every tool call is recorded in an audit log.',
);

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 500;

const userIdField = httpField(
  { type: 'string', maxLength: 256, description: 'The user whose data the grant opens' },
  (value, name) => {
    if (typeof value !== 'string' || value.trim() === '' || value.length > 256)
      throw badParameter(name, 'user_id is required: the user whose data the grant opens');
    return value;
  },
);

const dataTypesField = httpField(
  {
    type: ['array', 'null'],
    items: { type: 'string', enum: [...DATA_TYPES] },
    minItems: 1,
    description: 'The data types the grant opens; absent or null: every type',
  },
  (value, name): DataType[] | null => {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.length === 0 || value.length > DATA_TYPES.length)
      throw badParameter(name, `data_types must be a non-empty list of ${DATA_TYPES.join(', ')}`);
    for (const type of value)
      if (!DATA_TYPES.includes(type as DataType))
        throw badParameter(
          name,
          `data_types holds ${JSON.stringify(String(type).slice(0, 40))}; each must be one of ${DATA_TYPES.join(', ')}`,
        );
    return [...new Set(value as DataType[])];
  },
  { optional: true },
);

/** A bound of the grant's period: YYYY-MM-DD (the end day included) or unix seconds; null when absent. */
const boundField = (role: 'start' | 'end') =>
  httpField(
    {
      type: ['string', 'integer', 'null'],
      description:
        role === 'start'
          ? 'First day the grant may read (YYYY-MM-DD, UTC) or unix seconds; absent: no lower bound'
          : 'Last day the grant may read, included (YYYY-MM-DD) or unix seconds; absent: no upper bound',
    },
    (value, name): number | null => {
      if (value === undefined || value === null) return null;
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)))
        throw badParameter(name, `${name} must be a date as YYYY-MM-DD or unix seconds`);
      const ms = parseDateParam(name, value, role);
      if (!Number.isFinite(new Date(ms).getTime()))
        throw badParameter(name, `${name} is out of range (got ${JSON.stringify(value)})`);
      return ms;
    },
    { optional: true },
  );

const expiresInField = httpField(
  {
    type: 'integer',
    minimum: GRANT_EXPIRY.minSeconds,
    maximum: GRANT_EXPIRY.maxSeconds,
    default: GRANT_EXPIRY.defaultSeconds,
    description: 'Lifetime in seconds (for a consent link: from approval); default 30 days',
  },
  (value, name): number => {
    if (value === undefined || value === null) return GRANT_EXPIRY.defaultSeconds;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < GRANT_EXPIRY.minSeconds ||
      value > GRANT_EXPIRY.maxSeconds
    )
      throw badParameter(
        name,
        `expires_in must be whole seconds from ${GRANT_EXPIRY.minSeconds} to ${GRANT_EXPIRY.maxSeconds} (a year)`,
      );
    return value;
  },
  { optional: true },
);

const redirectUrlField = httpField(
  { type: 'string', format: 'uri', description: 'Where the consent page sends the end user afterwards' },
  (value, name): string | null => {
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
  },
  { optional: true },
);

const grantFields = {
  user_id: userIdField,
  data_types: dataTypesField,
  start_date: boundField('start'),
  end_date: boundField('end'),
  expires_in: expiresInField,
};

/** Unknown fields are refused: a misspelt `data_type` must not silently open every type. */
const grantBody = z.object(grantFields).strict();
const consentBody = z.object({ ...grantFields, redirect_url: redirectUrlField }).strict();

const scopeProperties = {
  user_id: { type: 'string' },
  data_types: { type: ['array', 'null'], items: { type: 'string', enum: [...DATA_TYPES] } },
  start_date: { type: ['string', 'null'], description: 'YYYY-MM-DD, or the instant when given in unix seconds' },
  end_date: { type: ['string', 'null'], description: 'YYYY-MM-DD (included), or the instant' },
};
const notFound = apiError('No such user');
const badBody = apiError('A field is invalid (`parameter` names it)');

const isoTime = z.string().datetime();
const grantScope = {
  user_id: z.string().describe('The user whose data the grant opens'),
  data_types: z
    .array(z.enum(DATA_TYPES))
    .nullable()
    .describe('The data types the grant opens; absent or null: every type'),
  start_date: z
    .string()
    .nullable()
    .describe('First day the grant may read (YYYY-MM-DD, UTC) or unix seconds; absent: no lower bound'),
  end_date: z
    .string()
    .nullable()
    .describe('Last day the grant may read, included (YYYY-MM-DD) or unix seconds; absent: no upper bound'),
};

export const McpGrantView = component(
  'McpGrant',
  z
    .object({
      id: z.string(),
      status: z
        .enum(['pending', 'active', 'expired', 'denied', 'revoked'])
        .describe(
          '`pending`: waiting for the end user on the consent page; `denied`: the end user refused; `expired`: past `expires_at`',
        ),
      created_via: z.enum(['api', 'consent']),
      ...grantScope,
      expires_at: isoTime.nullable().describe('null while pending'),
      created_at: isoTime.optional(),
      approved_at: isoTime.nullable().optional(),
      revoked_at: isoTime.nullable().optional(),
    })
    .describe('A user grant, without its token (shown once, when created).'),
);

export const McpAuditEntryView = component(
  'McpAuditEntry',
  z
    .object({
      id: z.string(),
      created_at: isoTime,
      actor: z.enum(['developer', 'grant']).describe('Called with the developer key or a grant'),
      grant_id: z.string().nullable(),
      tool: z.string(),
      user_id: z.string().nullable().describe('The user the call read (or asked for, when refused)'),
      start: isoTime.nullable().optional().describe('Start of the period read'),
      end: isoTime.nullable().optional().describe('End of the period read (excluded)'),
      record_count: z.number().int().describe('Records the answer used'),
      outcome: z
        .enum(['ok', 'refused', 'error'])
        .describe('`refused`: outside the caller’s scope or invalid arguments'),
      message: z.string().nullable().optional().describe('Why a call was refused'),
    })
    .describe('One MCP tool call.'),
);

export const createGrant = defineRoute({
  method: 'post',
  path: '/v2/mcp/grants',
  tag: 'MCP',
  summary: 'Create a user grant',
  operationId: 'McpGrants_Create',
  description:
    'Mints a bearer token for `/mcp` that reads one user’s data: only the given data types, only within the period, until it expires or is revoked. The token is shown once; only its hash is stored.',
  body: grantBody,
  responses: {
    201: json('The grant, with its token (shown once)', {
      type: 'object',
      properties: {
        id: { type: 'string' },
        token: { type: 'string', description: 'Send as `Authorization: Bearer <token>` to /mcp' },
        expires_at: { type: 'string', format: 'date-time' },
        ...scopeProperties,
      },
      required: ['id', 'token', 'expires_at'],
    }),
    400: badBody,
    401: unauthorized,
    404: notFound,
  },
});

export const createConsent = defineRoute({
  method: 'post',
  path: '/v2/mcp/consents',
  tag: 'MCP',
  summary: 'Ask the end user to approve a grant',
  operationId: 'McpConsents_Create',
  description: `A consent link (valid ${GRANT_EXPIRY.consentLinkSeconds / 3600} hours, single use) to a hosted page where the end user sees who asks for which data and approves or denies. On approval the page shows the user the grant's token once, to configure their agent with, and returns to \`redirect_url\` (with \`grant_id\` and \`status\`) when given. The grant is listed as \`pending\` until then.`,
  body: consentBody,
  responses: {
    201: json('The pending grant and its consent link', {
      type: 'object',
      properties: {
        id: { type: 'string' },
        url: { type: 'string', format: 'uri', description: 'Send the end user here' },
        expires_at: { type: 'string', format: 'date-time', description: 'When the link stops working' },
        status: { const: 'pending' },
        ...scopeProperties,
      },
      required: ['id', 'url', 'expires_at', 'status'],
    }),
    400: badBody,
    401: unauthorized,
    404: notFound,
  },
});

export const listGrants = defineRoute({
  method: 'get',
  path: '/v2/mcp/grants',
  tag: 'MCP',
  summary: 'List user grants',
  operationId: 'McpGrants_List',
  description: 'The developer’s grants, newest first, without their tokens.',
  query: z.object({
    user_id: optionalText('Only this user’s grants', 256),
    limit: integerParam(1, AUDIT_MAX_LIMIT, AUDIT_DEFAULT_LIMIT, 'Most grants to list'),
  }),
  responses: {
    200: json('The grants', z.object({ grants: z.array(McpGrantView) })),
    400: apiError('A parameter is invalid'),
    401: unauthorized,
  },
});

export const revokeGrant = defineRoute({
  method: 'delete',
  path: '/v2/mcp/grants/{id}',
  tag: 'MCP',
  summary: 'Revoke a user grant',
  operationId: 'McpGrants_Revoke',
  description: 'Ends the grant at once: its next request to /mcp is refused. A pending consent link stops working.',
  params: z.object({ id: requiredText('The grant id') }),
  responses: {
    200: json('The revoked grant', McpGrantView),
    401: unauthorized,
    404: apiError('No such grant'),
  },
});

export const listAudit = defineRoute({
  method: 'get',
  path: '/v2/mcp/audit',
  tag: 'MCP',
  summary: 'List MCP tool calls',
  operationId: 'McpAudit_List',
  description:
    'The audit log: every tool call (who, which grant, which tool, which user and period, how many records), newest first.',
  query: z.object({
    user_id: optionalText('Only calls about this user', 256),
    grant_id: optionalText('Only calls made with this grant', 256),
    limit: integerParam(1, AUDIT_MAX_LIMIT, AUDIT_DEFAULT_LIMIT, 'Page size'),
    cursor: optionalText('The `cursor` of the previous page', 256),
  }),
  responses: {
    200: json(
      'A page of the audit log',
      z.object({
        entries: z.array(McpAuditEntryView),
        cursor: z.string().nullable().describe('Pass to read older entries; null on the last page'),
      }),
    ),
    400: apiError('A parameter is invalid'),
    401: unauthorized,
  },
});

const MCP_AUTH =
  'Authenticate with a user grant (`Authorization: Bearer trb_mcp_…`, from `POST /v2/mcp/grants` or the consent page), or with the developer key (`dev-id` and `x-api-key`, as on `/v2`).';

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
const noCredentials = apiError('No valid grant token or developer key');

/** `/mcp` authenticates each request itself: a user grant or the developer key. */
export const mcpPost = defineRoute({
  method: 'post',
  path: '/mcp',
  tag: 'MCP',
  summary: 'MCP Streamable HTTP endpoint',
  operationId: 'Mcp_Post',
  description: `One JSON-RPC message or batch of the Model Context Protocol (initialize, tools/list, tools/call…), answered as JSON. ${MCP_AUTH} Stateless: no session id; send \`Accept: application/json, text/event-stream\`. Tools: find_users (developer key only), summarize_activity, summarize_sleep, summarize_daily, summarize_body, summarize_nutrition, summarize_menstruation, get_record, compare_periods. Body at most ${MCP_LIMITS.maxBodyBytes} bytes.`,
  // The MCP transport reads and answers the JSON-RPC message itself (its errors are JSON-RPC's).
  rawBody: {
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
    200: json('The JSON-RPC response(s)', { type: ['object', 'array'] }),
    202: { description: 'Notifications or responses only: accepted, no body' },
    400: jsonRpcError('Not a JSON-RPC message'),
    401: noCredentials,
    406: jsonRpcError('The Accept header does not list application/json and text/event-stream'),
    413: apiError('The body is too large'),
    415: jsonRpcError('The body is not JSON'),
  },
});

export const mcpGet = defineRoute({
  method: 'get',
  path: '/mcp',
  tag: 'MCP',
  summary: 'MCP server-to-client stream (not offered)',
  operationId: 'Mcp_Get',
  description: `The Streamable HTTP transport's optional server-to-client stream. This server keeps no session and sends nothing unasked, so it answers 405 as the MCP specification provides; clients then use POST alone. ${MCP_AUTH}`,
  responses: { 401: noCredentials, 405: jsonRpcError('No stream at this endpoint: use POST') },
});

const html = (description: string) => ({ description, contentType: 'text/html', schema: { type: 'string' } });
const consentLink = z.object({ secret: z.string().describe('The secret of the consent link') });
const spentLink = html('The link was used, expired or withdrawn');

export const consentPage = defineRoute({
  method: 'get',
  path: '/mcp/consent/{secret}',
  tag: 'MCP',
  summary: 'Consent page (hosted)',
  operationId: 'McpConsent_Page',
  description:
    'The page a consent link opens: who asks for which data, for which dates and how long, with Approve and Deny.',
  public: true,
  params: consentLink,
  responses: { 200: html('The consent page'), 410: spentLink },
});

export const consentDecision = defineRoute({
  method: 'post',
  path: '/mcp/consent/{secret}',
  tag: 'MCP',
  summary: 'Approve or deny (consent page form)',
  operationId: 'McpConsent_Decide',
  description:
    'The consent page’s form. `decision=approve` mints the grant and shows its token once; `decision=deny` refuses. Either spends the link.',
  public: true,
  params: consentLink,
  // A form, answered with HTML pages (a wrong decision too): read by the handler, not as JSON.
  rawBody: {
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
    200: html('The outcome page (with the token, once, on approval)'),
    400: html('Neither approve nor deny'),
    410: spentLink,
  },
});
