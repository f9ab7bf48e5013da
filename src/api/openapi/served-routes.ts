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
