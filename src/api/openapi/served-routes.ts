import { DECLARED_ROUTES } from '../contract/define.ts';
import type { HttpMethod } from './registry.ts';

export interface ServedRoute {
  method: HttpMethod;
  /** OpenAPI syntax: `/v2/destinations/{id}`. */
  path: string;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

const SERVED = new WeakMap<object, ServedRoute[]>();

/**
 * Records every route registered on `app` (and its child plugins) from here on, through
 * Fastify's `onRoute` hook: the `Allow` list of a 405. A route that was not declared with
 * `defineRoute` (src/api/contract) is refused there and then, so the server does not start
 * with a route its OpenAPI document, validation and types know nothing of.
 */
export function trackServedRoutes(app: {
  addHook(name: 'onRoute', hook: (route: { method: string | string[]; url: string }) => void): unknown;
}): void {
  const routes: ServedRoute[] = [];
  SERVED.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const path = (route.url.replace(/\/+$/, '') || '/').replace(/:(\w+)/g, '{$1}');
    for (const method of [route.method].flat().map((m) => m.toLowerCase())) {
      if (!METHODS.has(method)) continue;
      if (!DECLARED_ROUTES.some((r) => r.method === method && r.path === path))
        throw new Error(
          `${method.toUpperCase()} ${path} is served but not declared: declare it with defineRoute and serve it with serve (src/api/contract)`,
        );
      if (!routes.some((r) => r.method === method && r.path === path))
        routes.push({ method: method as HttpMethod, path });
    }
  });
}

/** The routes `app` serves (empty unless `trackServedRoutes(app)` ran before they were added). */
export function servedRoutes(app: object): readonly ServedRoute[] {
  return SERVED.get(app) ?? [];
}

/**
 * The methods `path` (a concrete URL path) is served with, HEAD included where GET is: the
 * `Allow` header of a 405. Empty when no route has that path.
 */
export function allowedMethods(served: readonly ServedRoute[], path: string): string[] {
  const target = path.replace(/\/+$/, '') || '/';
  const methods = new Set<string>();
  for (const route of served) {
    const pattern = route.path
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    if (new RegExp(`^${pattern}$`).test(target)) methods.add(route.method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
