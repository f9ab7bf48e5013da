import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodFieldOptional, zodInputJsonSchema } from './zod-json-schema.ts';

describe('zodInputJsonSchema', () => {
  it('describes what a client sends: types, checks, enums, defaults, optional fields, strict objects', () => {
    const schema = z
      .object({
        url: z.string().url().describe('where to'),
        port: z.number().int().min(1).max(65535).optional(),
        mode: z.enum(['a', 'b']).default('a'),
        tags: z.array(z.string().regex(/^\w+$/)).min(1),
        tls: z.union([z.boolean(), z.object({ ca: z.string() }).strict()]).optional(),
        json: z
          .string()
          .transform((text) => JSON.parse(text) as unknown)
          .pipe(z.object({ k: z.string() })),
        note: z.string().nullable(),
      })
      .strict()
      .superRefine(() => {});
    expect(zodInputJsonSchema(schema)).toEqual({
      type: 'object',
      properties: {
        url: { type: 'string', format: 'uri', description: 'where to' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        tags: { type: 'array', items: { type: 'string', pattern: '^\\w+$' }, minItems: 1 },
        tls: {
          anyOf: [
            { type: 'boolean' },
            { type: 'object', properties: { ca: { type: 'string' } }, required: ['ca'], additionalProperties: false },
          ],
        },
        json: { type: 'string' },
        note: { type: ['string', 'null'] },
      },
      required: ['url', 'tags', 'json', 'note'],
      additionalProperties: false,
    });
  });

  it('accepts JSON text beside the value for a preprocessed field, and knows which fields may be left out', () => {
    const field = z
      .preprocess((v) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v), z.object({ a: z.string() }))
      .optional();
    expect(zodInputJsonSchema(field)).toEqual({
      anyOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { type: 'string', description: 'the same as JSON text' },
      ],
    });
    expect(zodFieldOptional(field)).toBe(true);
    expect(zodFieldOptional(z.number().default(3))).toBe(true);
    expect(zodFieldOptional(z.string())).toBe(false);
  });
});
