/**
 * OpenAPI and docs for Tributary's API. Features document their routes with
 * `registerOperations` / `registerSchemas` (see registry.ts for the how-to).
 */
export { buildOpenApiDocument, type BuildOptions, type OpenApiDocument } from './builder.ts';
export { renderDocsPage, schemaName } from './docs-page.ts';
export {
  describeTag,
  HTTP_METHODS,
  OPENAPI_OPERATIONS,
  OPENAPI_SCHEMAS,
  registerOperations,
  registerSchemas,
  type HttpMethod,
  type OperationObject,
  type RegisteredOperation,
} from './registry.ts';
export {
  allowedMethods,
  parseServedRoutes,
  servedRoutes,
  trackServedRoutes,
  type ServedRoute,
} from './served-routes.ts';
export { ERROR_SCHEMA_NAME, terraOperations } from './terra-operations.ts';
