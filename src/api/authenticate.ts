import type { FastifyReply, FastifyRequest } from 'fastify';
import { TributaryError } from '../core/errors.ts';
import type { ApiKey, Developer, Store } from '../store/store.ts';
import { LIMITS } from '../core/rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    developer?: Developer;
    /** The API key the request was made with (GET /v2/keys marks it as the current one). */
    apiKey?: ApiKey;
  }
}

/** Terra's API-key auth: `dev-id` + `x-api-key` headers on every call. */
export function requireDeveloper(store: Store) {
  // Refused keys are counted per address and per developer: past the limit they are answered
  // 429 + Retry-After. A valid key always passes, so a flood from a shared address (a proxy)
  // cannot lock real developers out; keys are 256-bit, guessing them is not the threat.
  const perIp = LIMITS.failedKeysPerIp(store.rateLimits);
  const perDeveloper = LIMITS.failedKeysPerDeveloper(store.rateLimits);
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const devId = header(request, 'dev-id');
    const apiKey = header(request, 'x-api-key');
    if (!devId || !apiKey) {
      throw new TributaryError(
        'unauthorized',
        `missing ${!devId ? 'dev-id' : 'x-api-key'} header: send your dev-id and x-api-key`,
      );
    }
    const found = await store.apiKeys.authenticate(devId, apiKey);
    if (!found) {
      await perIp.hit(request.ip, 'refused API keys from this address');
      await perDeveloper.hit(devId, 'refused API keys for this dev-id');
      throw new TributaryError('unauthorized', 'invalid dev-id or x-api-key');
    }
    request.developer = found.developer;
    request.apiKey = found.key;
  };
}

/** The authenticated developer of a request that passed `requireDeveloper`. */
export function developerOf(request: FastifyRequest): Developer {
  if (!request.developer) throw new TributaryError('unauthorized', 'not authenticated');
  return request.developer;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
