import type { z } from 'zod';
import { ERROR_SCHEMA_NAME } from '../openapi/terra-operations.ts';
import type { JsonSchema, ResponseSpec } from './define.ts';

/** A JSON answer. */
export const json = <S extends z.ZodTypeAny | JsonSchema>(description: string, schema: S) => ({ description, schema });

/** An error answer: Tributary's error body (`{status: "error", message, code, parameter?, request_id}`). */
export const apiError = (description: string): ResponseSpec => ({
  description,
  schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` },
});

/** A `$ref` to a component (Terra's schemas, or one named with `component`). */
export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const unauthorized = apiError('Missing or wrong `dev-id` / `x-api-key`');
