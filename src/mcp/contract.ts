import { z } from 'zod';
import {
  apiError,
  defineRoute,
  httpField,
  integerParam,
  json,
  optionalText,
  requiredText,
  schemaRef,
  unauthorized,
} from '../api/contract/index.ts';
import { parseDateParam } from '../api/params.ts';
import { badParameter } from '../core/errors.ts';
import { DATA_TYPES, type DataType } from '../model/data-types.ts';
import { GRANT_EXPIRY } from './limits.ts';

/**
 * The HTTP contract of `/v2/mcp/*`: each route's query, body and answers, declared once.
 * grant-routes.ts serves them; the OpenAPI document is read from here (the MCP transport
 * and the consent page, which are not JSON routes, are described in openapi.ts).
 */

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
    200: json('The grants', {
      type: 'object',
      properties: { grants: { type: 'array', items: schemaRef('McpGrant') } },
      required: ['grants'],
    }),
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
    200: json('The revoked grant', schemaRef('McpGrant')),
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
    200: json('A page of the audit log', {
      type: 'object',
      properties: {
        entries: { type: 'array', items: schemaRef('McpAuditEntry') },
        cursor: { type: ['string', 'null'], description: 'Pass to read older entries; null on the last page' },
      },
      required: ['entries', 'cursor'],
    }),
    400: apiError('A parameter is invalid'),
    401: unauthorized,
  },
});
