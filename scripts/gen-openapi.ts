/**
 * The committed OpenAPI document, `docs/openapi.json` (run by scripts/gen.ts; `npm run gen`).
 * Built exactly as `GET /openapi.json` builds it — Terra's operations from the contract and
 * every route declared with `defineRoute` (src/api/contract) — for the default public URL.
 * `npm run gen -- --check` fails when a route's declaration changed and the file did not.
 */
import '../src/app.ts'; // every route module: importing them declares their routes
import { buildOpenApiDocument } from '../src/api/openapi/index.ts';
import type { Artifact } from './gen-model.ts';

/** The default `TRIBUTARY_PUBLIC_URL` (host 127.0.0.1, port 8787); a running server names its own. */
export const DOCUMENT_PUBLIC_URL = 'http://127.0.0.1:8787';

export function generateOpenApi(): Artifact[] {
  const document = buildOpenApiDocument({ publicUrl: DOCUMENT_PUBLIC_URL });
  return [{ path: 'docs/openapi.json', content: `${JSON.stringify(document, null, 2)}\n` }];
}
