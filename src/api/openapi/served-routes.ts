import type { HttpMethod } from './registry.ts';

export interface ServedRoute {
  method: HttpMethod;
  /** OpenAPI syntax: `/v2/destinations/{id}`. */
  path: string;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

/**
 * The routes a fastify server serves, read from `printRoutes({ commonPrefix: false })`
 * (fastify exposes no route list): one line per path segment, nested four columns per
 * level, methods in parentheses. HEAD/OPTIONS (implied) and wildcard routes are left out.
 */
export function parseServedRoutes(tree: string): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?\s*$/.exec(line);
    if (!match) continue;
    const depth = Math.round([...match[1]].length / 4);
    const path = (prefixes[depth - 1] ?? '') + match[2];
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    if (!match[3] || path.includes('*')) continue;
    const openApiPath = path.replace(/:(\w+)/g, '{$1}');
    for (const method of match[3].split(',').map((m) => m.trim().toLowerCase())) {
      if (METHODS.has(method)) routes.push({ method: method as HttpMethod, path: openApiPath });
    }
  }
  return routes;
}

const SERVED = new WeakMap<object, ServedRoute[]>();

/**
 * Records every route registered on `app` (and its child plugins) from here on, through
 * Fastify's `onRoute` hook: the served list the OpenAPI document is checked against.
 */
export function trackServedRoutes(app: {
  addHook(name: 'onRoute', hook: (route: { method: string | string[]; url: string }) => void): unknown;
}): void {
  const routes: ServedRoute[] = [];
  SERVED.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const path = (route.url.replace(/\/+$/, '') || '/').replace(/:(\w+)/g, '{$1}');
    for (const method of [route.method].flat().map((m) => m.toLowerCase()))
      if (METHODS.has(method) && !routes.some((r) => r.method === method && r.path === path))
        routes.push({ method: method as HttpMethod, path });
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
