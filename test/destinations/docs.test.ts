import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT } from '../../scripts/gen-model.ts';
import { docsPage, generateDestinationDocs, readRepoFile } from '../../scripts/gen-destinations.ts';
import type { DestinationDefinition } from '../../src/delivery/destinations/destination.ts';
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

  it('README § Destinations is generated from the registry (every type, with each definition’s summary and docs)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const definition of DESTINATION_DEFINITIONS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| [\`${definition.type}\`](`));
      expect(row, definition.type).toBeDefined();
      expect(row).toContain(definition.summary);
      expect(row).toContain(definition.docs.permissions);
      expect(row).toContain(definition.docs.testedAgainst);
    }
  });

  it('every registered type names a contract suite that runs the shared destination contract', () => {
    for (const definition of DESTINATION_DEFINITIONS) {
      const suite = readFileSync(join(REPO_ROOT, definition.contractSuite), 'utf8');
      expect(suite, definition.contractSuite).toMatch(/destinationContract\(/);
    }
  });

  /** A type added to the registry, with a docs page, as a new destination folder would add it. */
  const example: DestinationDefinition = {
    type: 'example_sink',
    configSchema: z.object({ endpoint: z.string().url(), token: z.string(), topic: z.string().optional() }),
    secretFields: ['token'],
    summary: 'one line per event in the example sink',
    docs: {
      page: 'docs/destinations/example-sink.md',
      permissions: '`sink:write`',
      testedAgainst: 'an example server',
    },
    contractSuite: 'test/destinations/webhook.test.ts',
    parseConfig: () => ({}),
    open: () => ({ deliver: () => Promise.resolve({ ok: true as const }), close: () => Promise.resolve() }),
    verify: () => Promise.resolve(),
  };
  const examplePage = '# Example sink\n\n<!-- config-table:begin -->\n<!-- config-table:end -->\n';
  const withExample = (path: string) => (path === example.docs.page ? examplePage : readRepoFile(path));

  it('a new registry entry appears in the README table, the docs index and its page, with no other edit', () => {
    const artifacts = generateDestinationDocs([...DESTINATION_DEFINITIONS, example], withExample);
    const byPath = new Map(artifacts.map((artifact) => [artifact.path, artifact.content]));
    expect(byPath.get('README.md')).toContain(
      '| [`example_sink`](docs/destinations/example-sink.md) | `endpoint`, `token`, `topic?` | `token` | one line per event in the example sink | `sink:write` | an example server |',
    );
    expect(byPath.get('docs/destinations/README.md')).toContain(
      '| `example_sink` | `endpoint`, `token`, `topic?` | `token` | one line per event in the example sink | [example-sink.md](example-sink.md) |',
    );
    expect(byPath.get(example.docs.page)).toMatch(/\| `endpoint` \|[^\n]*\n[^\n]*`token`/);
    // …so the committed README is now stale: `npm run gen -- --check` would fail on it.
    expect(byPath.get('README.md')).not.toBe(readRepoFile('README.md'));
  });

  it('a registered type without its docs page fails generation', () => {
    expect(() => generateDestinationDocs([...DESTINATION_DEFINITIONS, example], readRepoFile)).toThrow(
      /example_sink.*docs\/destinations\/example-sink\.md/,
    );
  });

  it('the drift check catches a hand edit of the generated README table', () => {
    const readme = readRepoFile('README.md')!;
    const s3 = DESTINATION_DEFINITIONS.find((definition) => definition.type === 's3')!;
    const edited = readme.replace('`s3:PutObject`', '`s3:PutObject`, `s3:GetObject`');
    expect(edited).not.toBe(readme);
    const artifacts = generateDestinationDocs(DESTINATION_DEFINITIONS, (path) =>
      path === 'README.md' ? edited : readRepoFile(path),
    );
    const generated = artifacts.find((artifact) => artifact.path === 'README.md')!.content;
    // gen.ts --check compares exactly this artifact with the file: the edit is reported, and
    // regenerating restores the registry's text.
    expect(generated).not.toBe(edited);
    expect(generated).toBe(readme);
    expect(generated).toContain(s3.docs.permissions);
  });
});
