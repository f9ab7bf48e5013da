import { describe, expect, it } from 'vitest';
import { parseServedRoutes } from './served-routes.ts';

const TREE = [
  '├── /v2/activity (GET, HEAD, POST)',
  '│   └── /:file (GET, HEAD)',
  '├── /v2/destinations (POST, GET, HEAD)',
  '│   └── /:id (GET, HEAD, PATCH, DELETE)',
  '│       ├── /rotate-secret (POST)',
  '│       └── /test (POST)',
  '├── /v2/sdk/users (POST)',
  '│   └── /:user_id/samples (POST)',
  '├── /static/* (GET, HEAD)',
  '├── /v2/events/:eventId/activity.fit (GET, HEAD)',
  '└── /health (GET, HEAD, OPTIONS)',
  '',
].join('\n');

describe('parseServedRoutes', () => {
  it('rebuilds full paths from the nested tree, in OpenAPI syntax, without HEAD/OPTIONS or wildcards', () => {
    expect(parseServedRoutes(TREE)).toEqual([
      { method: 'get', path: '/v2/activity' },
      { method: 'post', path: '/v2/activity' },
      { method: 'get', path: '/v2/activity/{file}' },
      { method: 'post', path: '/v2/destinations' },
      { method: 'get', path: '/v2/destinations' },
      { method: 'get', path: '/v2/destinations/{id}' },
      { method: 'patch', path: '/v2/destinations/{id}' },
      { method: 'delete', path: '/v2/destinations/{id}' },
      { method: 'post', path: '/v2/destinations/{id}/rotate-secret' },
      { method: 'post', path: '/v2/destinations/{id}/test' },
      { method: 'post', path: '/v2/sdk/users' },
      { method: 'post', path: '/v2/sdk/users/{user_id}/samples' },
      { method: 'get', path: '/v2/events/{eventId}/activity.fit' },
      { method: 'get', path: '/health' },
    ]);
  });

  it('reads nothing from an empty tree', () => {
    expect(parseServedRoutes('')).toEqual([]);
  });
});
