import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { z } from 'zod';
import { configTable } from '../../src/delivery/destinations/config-docs.ts';

/** Fails when docs/destinations/<page>.md's config table differs from its rendering from the zod schema. */
export function expectDocsTableInSync(page: string, schema: z.ZodTypeAny, secretFields: readonly string[]): void {
  const text = readFileSync(join(import.meta.dirname, '../../docs/destinations', `${page}.md`), 'utf8');
  const match = /<!-- config-table:begin[^>]*-->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(text);
  expect(match, `docs/destinations/${page}.md has no config-table markers`).not.toBeNull();
  const expected = configTable(schema, secretFields);
  expect(match![1], `docs/destinations/${page}.md is out of date; its config table must read:\n${expected}`).toBe(
    expected,
  );
}
