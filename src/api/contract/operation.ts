import type { z } from 'zod';
import type { OperationObject, RegisteredOperation } from '../openapi/registry.ts';
import { zodFieldOptional, zodInputJsonSchema } from '../openapi/zod-json-schema.ts';
import type { JsonSchema, ParamsSchema, ResponseSpec, RouteSpec } from './define.ts';
import { z as zod } from 'zod';

/** The OpenAPI operation of a declared route: everything read from its schemas. */
export function operationOf(spec: RouteSpec): RegisteredOperation {
  const parameters = [
    ...parametersOf(spec.params, 'path'),
    ...parametersOf(spec.query, 'query'),
    ...(spec.headers ?? []).map((h) => ({ ...h, in: 'header' })),
  ];
  const operation: OperationObject = {
    summary: spec.summary,
    operationId: spec.operationId,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.public ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...requestBodyOf(spec),
    responses: Object.fromEntries(
      Object.entries(spec.responses as Record<string, ResponseSpec>).map(([status, response]) => [
        status,
        responseOf(response),
      ]),
    ),
  };
  return { method: spec.method, path: spec.path, tag: spec.tag, operation };
}

function requestBodyOf(spec: RouteSpec): Partial<OperationObject> {
  if (spec.body)
    return {
      requestBody: {
        required: spec.bodyRequired !== false,
        content: { 'application/json': { schema: zodInputJsonSchema(spec.body) } },
      },
    };
  if (spec.rawBody) return { requestBody: structuredClone(spec.rawBody) };
  return {};
}

function responseOf(response: ResponseSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { description: response.description };
  if (response.headers) out.headers = response.headers;
  if (response.schema)
    out.content = { [response.contentType ?? 'application/json']: { schema: schemaOf(response.schema) } };
  return out;
}

function schemaOf(schema: z.ZodTypeAny | JsonSchema): JsonSchema {
  return schema instanceof zod.ZodType ? zodInputJsonSchema(schema) : structuredClone(schema);
}

/** One OpenAPI parameter per key of a path or query object, its description lifted to the parameter. */
function parametersOf(schema: ParamsSchema | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  let object: z.ZodTypeAny = schema;
  while (object instanceof zod.ZodEffects) object = object.innerType();
  if (!(object instanceof zod.ZodObject)) throw new Error(`${where} parameters must be declared as a z.object`);
  return Object.entries(object.shape as Record<string, z.ZodTypeAny>).map(([name, field]) => {
    const { description, ...fieldSchema } = zodInputJsonSchema(field);
    return {
      name,
      in: where,
      required: where === 'path' || !zodFieldOptional(field),
      ...(typeof description === 'string' && description ? { description } : {}),
      schema: fieldSchema,
    };
  });
}
