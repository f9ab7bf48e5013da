import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { apiError, checked, component, defineRoute, json } from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

/** Bounds: a name fits a table cell; a developer's key list stays short (each request compares every hash). */
export const MAX_KEY_NAME = 100;
export const MAX_KEYS_PER_DEVELOPER = 25;

const TAG = 'API keys';
describeTag(
  TAG,
  'Tributary extension: a developer holds several named API keys, created, rotated and revoked here. A secret is shown once.',
);

const dateTime = z.string().datetime();
export const ApiKey = component(
  'ApiKey',
  z.object({
    id: z.string().describe('The key id (`key_…`)'),
    name: z.string().max(MAX_KEY_NAME),
    hint: z.string().nullable().describe('The last four characters of the secret'),
    created_at: dateTime,
    rotated_at: dateTime.nullable(),
    last_used_at: dateTime.nullable().describe('Last authenticated call (to the minute)'),
    current: z.boolean().describe('True for the key this request was made with'),
  }),
);
export const ApiKeyWithSecret = component(
  'ApiKeyWithSecret',
  z.intersection(ApiKey, z.object({ key: z.string().describe('The secret, to send as `x-api-key`. Shown once.') })),
);
export const KeysAnswer = z.object({
  developer: z.object({ dev_id: z.string(), name: z.string() }),
  keys: z.array(ApiKey),
});

const keyId = z.object({ id: z.string().describe('The key id (`key_…`)') });
const unauthorized = apiError('Missing or wrong `dev-id` / `x-api-key` (a revoked key is refused at once)');

export const listKeys = defineRoute({
  method: 'get',
  path: '/v2/keys',
  tag: TAG,
  summary: "List the developer's API keys",
  operationId: 'Keys_List',
  responses: { 200: json('The developer and its keys (secrets are never listed)', KeysAnswer), 401: unauthorized },
});

export const createKey = defineRoute({
  method: 'post',
  path: '/v2/keys',
  tag: TAG,
  summary: 'Create a named API key',
  operationId: 'Keys_Create',
  body: checked(z.object({ name: z.string().trim().min(1).max(MAX_KEY_NAME) }).strict(), (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badParameter('body', 'the body must be a JSON object {"name": "…"}');
    for (const field of Object.keys(body))
      if (field !== 'name') throw badParameter(field, `unknown field ${field}: POST /v2/keys accepts name`);
    const { name } = body as { name?: unknown };
    if (typeof name !== 'string' || name.trim() === '')
      throw badParameter('name', 'name is required: a non-empty string that says what the key is for');
    if (name.trim().length > MAX_KEY_NAME)
      throw badParameter('name', `name must be at most ${MAX_KEY_NAME} characters`);
    return body;
  }),
  responses: {
    201: json('The key, with its secret (shown once)', ApiKeyWithSecret),
    400: apiError('The name is missing or invalid (`parameter` names the field)'),
    401: unauthorized,
    409: apiError(`The developer already holds ${MAX_KEYS_PER_DEVELOPER} keys`),
  },
});

export const rotateKey = defineRoute({
  method: 'post',
  path: '/v2/keys/{id}/rotate',
  tag: TAG,
  summary: 'Rotate an API key: a new secret, the old one refused at once',
  operationId: 'Keys_Rotate',
  params: keyId,
  responses: {
    200: json('The key, with its new secret (shown once)', ApiKeyWithSecret),
    401: unauthorized,
    404: apiError('No such key'),
  },
});

export const revokeKey = defineRoute({
  method: 'delete',
  path: '/v2/keys/{id}',
  tag: TAG,
  summary: 'Revoke an API key (the next call with it is refused)',
  operationId: 'Keys_Revoke',
  params: keyId,
  responses: {
    200: json('Revoked', z.object({ id: z.string(), status: z.literal('revoked') })),
    401: unauthorized,
    404: apiError('No such key'),
    409: apiError('It is the developer’s last key'),
  },
});
