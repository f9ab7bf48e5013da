import { notFound, TributaryError } from '../../core/errors.ts';
import type { ApiKey } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { createKey, listKeys, MAX_KEYS_PER_DEVELOPER, revokeKey, rotateKey } from './keys.contract.ts';

export { MAX_KEY_NAME, MAX_KEYS_PER_DEVELOPER } from './keys.contract.ts';

/**
 * `/v2/keys`: the developer's named API keys. A new or rotated secret is in the answer once
 * (only its hash is stored); a revoked key is refused from the next request on; the last
 * key cannot be revoked (the developer would lock itself out).
 */
export const keyRoutes: RouteModule = (app, ctx) => {
  serve(app, listKeys, async (_input, request) => {
    const developer = developerOf(request);
    const keys = await ctx.store.apiKeys.list(developer.devId);
    return {
      developer: { dev_id: developer.devId, name: developer.name },
      keys: keys.map((key) => keyView(key, request.apiKey?.keyId)),
    };
  });

  serve(app, createKey, async ({ body: { name } }, request, reply) => {
    const devId = developerOf(request).devId;
    if ((await ctx.store.apiKeys.list(devId)).length >= MAX_KEYS_PER_DEVELOPER)
      throw new TributaryError(
        'conflict',
        `a developer holds at most ${MAX_KEYS_PER_DEVELOPER} API keys: revoke one first`,
      );
    const { key, secret } = await ctx.store.apiKeys.create(devId, { name });
    return reply.status(201).send({ ...keyView(key, request.apiKey?.keyId), key: secret });
  });

  serve(app, rotateKey, async ({ params: { id } }, request) => {
    const devId = developerOf(request).devId;
    const rotated = await ctx.store.apiKeys.rotate(devId, id);
    if (!rotated) throw notFound(`no API key ${id}`);
    return { ...keyView(rotated.key, request.apiKey?.keyId), key: rotated.secret };
  });

  serve(app, revokeKey, async ({ params: { id } }, request) => {
    const devId = developerOf(request).devId;
    const outcome = await ctx.store.apiKeys.revoke(devId, id);
    if (outcome === 'not_found') throw notFound(`no API key ${id}`);
    if (outcome === 'last')
      throw new TributaryError('conflict', `${id} is your last API key: create another before revoking it`);
    return { id, status: 'revoked' as const };
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
