import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchJsonSchema, BatchSchema, describeIssue } from './batch.ts';

describe('Apple Health batch format', () => {
  it('the published JSON Schema file is the one generated from the zod schema', () => {
    // Regenerate after a change: node --import tsx -e "…writeFileSync(path, JSON.stringify(batchJsonSchema(), null, 2) + '\n')"
    const published = JSON.parse(
      readFileSync(join(import.meta.dirname, 'schema/apple-batch.schema.json'), 'utf8'),
    ) as unknown;
    expect(published).toEqual(batchJsonSchema());
  });

  it('accepts an empty batch and fills defaults', () => {
    expect(BatchSchema.parse({})).toEqual({
      quantity_samples: [],
      category_samples: [],
      workouts: [],
      activity_summaries: [],
      deleted: [],
    });
  });

  it('names the offending path of an invalid sample', () => {
    const result = BatchSchema.safeParse({
      category_samples: [
        {
          uuid: 'a',
          type: 'HKCategoryTypeIdentifierSleepAnalysis',
          value: 1,
          start_date: '2024-01-01T00:00:00',
          end_date: '2024-01-01T01:00:00Z',
          source: { name: 'x' },
        },
      ],
    });
    expect(result.success).toBe(false);
    expect(describeIssue(result.error!)).toMatchObject({ path: 'category_samples[0].start_date' });
  });
});
