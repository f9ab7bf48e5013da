/**
 * HTTP contracts: one zod declaration per route (define.ts) gives validation, the handler's
 * types and the route's OpenAPI operation (operation.ts). How-to: see define.ts.
 */
export {
  DECLARED_ROUTES,
  defineRoute,
  defineTerraRoute,
  fastifyUrl,
  serve,
  type JsonSchema,
  type ResponseSpec,
  type RouteAnswer,
  type RouteHandler,
  type RouteInput,
  type RouteSpec,
  type ServeOptions,
  type TerraRouteSpec,
} from './define.ts';
export {
  booleanParam,
  checked,
  dateParam,
  dateText,
  withDateRange,
  httpField,
  integerParam,
  optionalChoice,
  optionalText,
  requiredText,
} from './fields.ts';
export { operationOf } from './operation.ts';
export { apiError, json, schemaRef, unauthorized } from './responses.ts';
export { component } from '../openapi/zod-json-schema.ts';
