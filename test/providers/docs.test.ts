import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../../scripts/gen-destinations.ts';
import { REPO_ROOT } from '../../scripts/gen-model.ts';
import { generateProviderDocs, settingsMarkers } from '../../scripts/gen-providers.ts';
import type { ProviderDefinition } from '../../src/providers/provider.ts';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.ts';
import { variableName } from '../../src/providers/settings.ts';

/** The README's provider tables cannot drift from the definitions: what `npm run gen` writes is what is committed. */
describe('provider docs', () => {
  const readme = () => readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('are what scripts/gen-providers.ts generates (run `npm run gen` after changing a provider)', () => {
    const [artifact] = generateProviderDocs();
    expect(artifact.path).toBe('README.md');
    expect(readme()).toBe(artifact.content);
  });

  it('README § Providers has a row per registered provider with its capabilities, setup and variables', () => {
    const lines = readme().split('\n');
    for (const definition of PROVIDER_DEFINITIONS) {
      const { name, auth, sync, dataTypes } = definition.capabilities;
      const row = lines.find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      expect(row).toContain(`| ${auth} / ${sync} | ${definition.setup.kind} | ${dataTypes.join(', ')} |`);
      for (const setting of definition.settings) expect(row).toContain(`\`${setting.key}\``);
    }
  });

  it('every variable a provider declares is documented in its section, with its default', () => {
    const text = readme();
    for (const definition of PROVIDER_DEFINITIONS) {
      const { begin, end } = settingsMarkers(definition.capabilities.name);
      const section = text.slice(text.indexOf(begin), text.indexOf(end, text.indexOf(begin)));
      for (const setting of definition.settings) {
        const row = section
          .split('\n')
          .find((line) => line.startsWith(`| \`${variableName(definition.capabilities.name, setting.key)}\` |`));
        expect(row, setting.key).toBeDefined();
        expect(row).toContain(
          setting.required ? '| required |' : setting.default === undefined ? '| — |' : `| \`${setting.default}\` |`,
        );
        expect(row).toContain(setting.description);
      }
    }
  });

  /** A provider added to the registry, as a new provider folder would add it. */
  const example: ProviderDefinition = {
    capabilities: {
      name: 'EXAMPLE',
      displayName: 'Example Watch',
      icon: '/example.svg',
      dataTypes: ['activity', 'sleep'],
      auth: 'oauth2',
      sync: 'push',
      historyDays: 90,
      sdkOnly: false,
    },
    settings: [
      { key: 'CLIENT_ID', description: 'client id of your Example application', required: true },
      { key: 'CLIENT_SECRET', description: 'its client secret', required: true, secret: true },
      { key: 'BASE_URL', description: "Example's API", default: 'https://api.example.test' },
    ],
    setup: { kind: 'oauth_app', steps: 'Register an application.' },
    docs: 'Workouts and sleep from Example watches, pushed by webhook.',
    configure: () => undefined,
  };
  const { begin, end } = settingsMarkers('EXAMPLE');
  const withSection = (path: string) =>
    path === 'README.md' ? `${readRepoFile(path)}\n## Example\n\n${begin}\n${end}\n` : readRepoFile(path);

  it('a new registry entry appears in § Providers and fills its section’s variable table, with no other edit', () => {
    const [artifact] = generateProviderDocs([...PROVIDER_DEFINITIONS, example], withSection);
    expect(artifact.content).toContain(
      '| `EXAMPLE` | Example Watch | oauth2 / push | oauth_app | activity, sleep | 90 days | `CLIENT_ID`, `CLIENT_SECRET`, `BASE_URL` | Workouts and sleep from Example watches, pushed by webhook. |',
    );
    expect(artifact.content).toContain(
      [
        begin,
        '| variable | default | meaning |',
        '|---|---|---|',
        '| `TRIBUTARY_PROVIDER_EXAMPLE_CLIENT_ID` | required | client id of your Example application |',
        '| `TRIBUTARY_PROVIDER_EXAMPLE_CLIENT_SECRET` | required | its client secret (secret) |',
        "| `TRIBUTARY_PROVIDER_EXAMPLE_BASE_URL` | `https://api.example.test` | Example's API |",
        end,
      ].join('\n'),
    );
  });

  it('a registered provider without a variable table in README fails generation, naming the markers to add', () => {
    expect(() => generateProviderDocs([...PROVIDER_DEFINITIONS, example], readRepoFile)).toThrow(
      /provider EXAMPLE has no variable table in README\.md[\s\S]*provider-settings:begin EXAMPLE/,
    );
  });

  it('the drift check catches a hand edit of a generated variable table', () => {
    const current = readRepoFile('README.md')!;
    const edited = current.replace(
      '| `TRIBUTARY_PROVIDER_OURA_POLL_SECONDS` | `3600` |',
      '| `TRIBUTARY_PROVIDER_OURA_POLL_SECONDS` | `60` |',
    );
    expect(edited).not.toBe(current);
    const [artifact] = generateProviderDocs(PROVIDER_DEFINITIONS, (path) =>
      path === 'README.md' ? edited : readRepoFile(path),
    );
    // gen.ts --check compares exactly this artifact with the file: the edit is reported, and
    // regenerating restores the definition's text.
    expect(artifact.content).not.toBe(edited);
    expect(artifact.content).toBe(current);
  });
});
