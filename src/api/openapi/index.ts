/**
 * OpenAPI and docs for Tributary's API, built from the route declarations (src/api/contract)
 * and Terra's contract; see registry.ts for what else it gathers.
 */
export { buildOpenApiDocument, type BuildOptions, type OpenApiDocument } from './builder.ts';
export { renderDocsPage, schemaName } from './docs-page.ts';
export {
  describeTag,
  HTTP_METHODS,
  OPENAPI_SCHEMAS,
  registerSchemas,
  type HttpMethod,
  type OperationObject,
  type RegisteredOperation,
} from './registry.ts';
export { allowedMethods, servedRoutes, trackServedRoutes, type ServedRoute } from './served-routes.ts';
export { ERROR_SCHEMA_NAME, terraOperations } from './terra-operations.ts';
