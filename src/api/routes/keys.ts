import { badParameter, notFound, TributaryError } from '../../core/errors.ts';
import type { ApiKey } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';

/** Bounds: a name fits a table cell; a developer's key list stays short (each request compares every hash). */
export const MAX_KEY_NAME = 100;
export const MAX_KEYS_PER_DEVELOPER = 25;

/**
 * `/v2/keys`: the developer's named API keys. A new or rotated secret is in the answer once
 * (only its hash is stored); a revoked key is refused from the next request on; the last
 * key cannot be revoked (the developer would lock itself out).
 */
export const keyRoutes: RouteModule = (app, ctx) => {
  app.get('/keys', async (request) => {
    const developer = developerOf(request);
    const keys = await ctx.store.apiKeys.list(developer.devId);
    return {
      developer: { dev_id: developer.devId, name: developer.name },
      keys: keys.map((key) => keyView(key, request.apiKey?.keyId)),
    };
  });

  app.post('/keys', async (request, reply) => {
    const devId = developerOf(request).devId;
    const name = keyName(request.body);
    if ((await ctx.store.apiKeys.list(devId)).length >= MAX_KEYS_PER_DEVELOPER)
      throw new TributaryError(
        'conflict',
        `a developer holds at most ${MAX_KEYS_PER_DEVELOPER} API keys: revoke one first`,
      );
    const { key, secret } = await ctx.store.apiKeys.create(devId, { name });
    return reply.status(201).send({ ...keyView(key, request.apiKey?.keyId), key: secret });
  });

  app.post('/keys/:id/rotate', async (request) => {
    const devId = developerOf(request).devId;
    const { id } = request.params as { id: string };
    const rotated = await ctx.store.apiKeys.rotate(devId, id);
    if (!rotated) throw notFound(`no API key ${id}`);
    return { ...keyView(rotated.key, request.apiKey?.keyId), key: rotated.secret };
  });

  app.delete('/keys/:id', async (request) => {
    const devId = developerOf(request).devId;
    const { id } = request.params as { id: string };
    const outcome = await ctx.store.apiKeys.revoke(devId, id);
    if (outcome === 'not_found') throw notFound(`no API key ${id}`);
    if (outcome === 'last')
      throw new TributaryError('conflict', `${id} is your last API key: create another before revoking it`);
    return { id, status: 'revoked' };
  });
};

function keyView(key: ApiKey, currentKeyId: string | undefined) {
  return {
    id: key.keyId,
    name: key.name,
    hint: key.hint,
    created_at: key.createdAt,
    rotated_at: key.rotatedAt,
    last_used_at: key.lastUsedAt,
    current: key.keyId === currentKeyId,
  };
}

function keyName(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParameter('body', 'the body must be a JSON object {"name": "…"}');
  for (const field of Object.keys(body))
    if (field !== 'name') throw badParameter(field, `unknown field ${field}: POST /v2/keys accepts name`);
  const { name } = body as { name?: unknown };
  if (typeof name !== 'string' || name.trim() === '')
    throw badParameter('name', 'name is required: a non-empty string that says what the key is for');
  if (name.trim().length > MAX_KEY_NAME) throw badParameter('name', `name must be at most ${MAX_KEY_NAME} characters`);
  return name.trim();
}

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({
  description,
  content: json({ $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` }),
});
const keyIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The key id (`key_…`)',
  schema: { type: 'string' },
};
const unauthorized = errorResponse('Missing or wrong `dev-id` / `x-api-key` (a revoked key is refused at once)');

describeTag(
  'API keys',
  'Tributary extension: a developer holds several named API keys, created, rotated and revoked here. A secret is shown once.',
);
registerSchemas({
  ApiKey: {
    type: 'object',
    properties: {
      id: { type: 'string', examples: ['key_0f3c…'] },
      name: { type: 'string', maxLength: MAX_KEY_NAME },
      hint: { type: ['string', 'null'], description: 'The last four characters of the secret' },
      created_at: { type: 'string', format: 'date-time' },
      rotated_at: { type: ['string', 'null'], format: 'date-time' },
      last_used_at: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'Last authenticated call (to the minute)',
      },
      current: { type: 'boolean', description: 'True for the key this request was made with' },
    },
    required: ['id', 'name', 'hint', 'created_at', 'rotated_at', 'last_used_at', 'current'],
  },
  ApiKeyWithSecret: {
    allOf: [
      { $ref: '#/components/schemas/ApiKey' },
      {
        type: 'object',
        properties: { key: { type: 'string', description: 'The secret, to send as `x-api-key`. Shown once.' } },
        required: ['key'],
      },
    ],
  },
});
registerOperations(
  {
    method: 'get',
    path: '/v2/keys',
    tag: 'API keys',
    operation: {
      summary: "List the developer's API keys",
      operationId: 'Keys_List',
      responses: {
        '200': {
          description: 'The developer and its keys (secrets are never listed)',
          content: json({
            type: 'object',
            properties: {
              developer: {
                type: 'object',
                properties: { dev_id: { type: 'string' }, name: { type: 'string' } },
                required: ['dev_id', 'name'],
              },
              keys: { type: 'array', items: { $ref: '#/components/schemas/ApiKey' } },
            },
            required: ['developer', 'keys'],
          }),
        },
        '401': unauthorized,
      },
    },
  },
  {
    method: 'post',
    path: '/v2/keys',
    tag: 'API keys',
    operation: {
      summary: 'Create a named API key',
      operationId: 'Keys_Create',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: MAX_KEY_NAME } },
          required: ['name'],
          additionalProperties: false,
        }),
      },
      responses: {
        '201': {
          description: 'The key, with its secret (shown once)',
          content: json({ $ref: '#/components/schemas/ApiKeyWithSecret' }),
        },
        '400': errorResponse('The name is missing or invalid (`parameter` names the field)'),
        '401': unauthorized,
        '409': errorResponse(`The developer already holds ${MAX_KEYS_PER_DEVELOPER} keys`),
      },
    },
  },
  {
    method: 'post',
    path: '/v2/keys/{id}/rotate',
    tag: 'API keys',
    operation: {
      summary: 'Rotate an API key: a new secret, the old one refused at once',
      operationId: 'Keys_Rotate',
      parameters: [keyIdParameter],
      responses: {
        '200': {
          description: 'The key, with its new secret (shown once)',
          content: json({ $ref: '#/components/schemas/ApiKeyWithSecret' }),
        },
        '401': unauthorized,
        '404': errorResponse('No such key'),
      },
    },
  },
  {
    method: 'delete',
    path: '/v2/keys/{id}',
    tag: 'API keys',
    operation: {
      summary: 'Revoke an API key (the next call with it is refused)',
      operationId: 'Keys_Revoke',
      parameters: [keyIdParameter],
      responses: {
        '200': {
          description: 'Revoked',
          content: json({
            type: 'object',
            properties: { id: { type: 'string' }, status: { type: 'string', enum: ['revoked'] } },
            required: ['id', 'status'],
          }),
        },
        '401': unauthorized,
        '404': errorResponse('No such key'),
        '409': errorResponse('It is the developer’s last key'),
      },
    },
  },
);
