import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/gen-model.ts';
import { docsPage, generateDestinationDocs } from '../../scripts/gen-destinations.ts';
import { DESTINATION_DEFINITIONS } from '../../src/delivery/destinations/registry.ts';

/** The destination docs cannot drift from the code: what `npm run gen` would write is what is committed. */
describe('destination docs', () => {
  it('are what scripts/gen-destinations.ts generates (run `npm run gen` after changing a destination)', () => {
    const artifacts = generateDestinationDocs();
    expect(artifacts.map((a) => a.path)).toContain('docs/destinations/README.md');
    for (const artifact of artifacts)
      expect(readFileSync(join(REPO_ROOT, artifact.path), 'utf8'), artifact.path).toBe(artifact.content);
  });

  it('list every registered type, each with its own page and a generated config table', () => {
    const index = readFileSync(join(REPO_ROOT, 'docs/destinations/README.md'), 'utf8');
    for (const { type } of DESTINATION_DEFINITIONS) {
      expect(index).toContain(`| \`${type}\` |`);
      if (type === 'webhook') continue;
      expect(readFileSync(join(REPO_ROOT, docsPage(type)), 'utf8')).toMatch(
        /<!-- config-table:begin[^>]*-->\n\| field \| type \| required \| secret \| meaning \|/,
      );
    }
  });
});
