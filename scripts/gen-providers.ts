/**
 * Keeps the README's provider tables in sync with the provider registry (run by scripts/gen.ts;
 * `npm run gen`). Everything comes from each `ProviderDefinition` (src/providers/registry.ts):
 * its `capabilities`, `settings`, `setup` and `docs`. Generated:
 * - README.md § Providers: the overview table between the `providers-table` markers (every
 *   registered provider, its variables included, with no other edit);
 * - each provider's variable table (`TRIBUTARY_PROVIDER_<NAME>_*`) between its
 *   `provider-settings:begin <NAME>` and `provider-settings:end` markers, in its README section.
 * A registered provider whose section has no such markers makes generation fail, so a new
 * provider cannot ship with its variables undocumented; `npm run gen -- --check` fails when
 * any of these was edited by hand.
 */
import type { ProviderDefinition } from '../src/providers/provider.ts';
import { PROVIDER_DEFINITIONS } from '../src/providers/registry.ts';
import { variableName } from '../src/providers/settings.ts';
import { readRepoFile, type ReadFile } from './gen-destinations.ts';
import type { Artifact } from './gen-model.ts';

type Definitions = readonly ProviderDefinition[];

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const README_BLOCK = /(<!-- providers-table:begin[^>]*-->\n)[\s\S]*?(<!-- providers-table:end -->)/;

/** The markers a provider's README section carries around its variable table. */
export function settingsMarkers(name: string): { begin: string; end: string } {
  return { begin: `<!-- provider-settings:begin ${name} -->`, end: '<!-- provider-settings:end -->' };
}

function settingsBlock(name: string): RegExp {
  const { begin, end } = settingsMarkers(name);
  return new RegExp(`(${begin}\\n)[\\s\\S]*?(${end})`);
}

function history(days: number | null): string {
  return days === null ? 'unlimited' : `${days} days`;
}

/** The overview table of README.md § Providers. */
export function providersTable(definitions: Definitions = PROVIDER_DEFINITIONS): string {
  const rows = definitions.map((d) => {
    const c = d.capabilities;
    const variables = d.settings.map((s) => `\`${s.key}\``).join(', ') || '—';
    return `| \`${c.name}\` | ${escape(c.displayName)} | ${c.auth} / ${c.sync} | ${d.setup.kind} | ${c.dataTypes.join(', ')} | ${history(c.historyDays)} | ${variables} | ${escape(d.docs)} |`;
  });
  return [
    '| name | provider | auth / sync | operator setup | data types | history | variables (`TRIBUTARY_PROVIDER_<NAME>_…`) | what it brings |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** A provider's variable table (its README section). */
export function settingsTable(definition: ProviderDefinition): string {
  const name = definition.capabilities.name;
  const rows = definition.settings.map((s) => {
    const value = s.required ? 'required' : s.default === undefined ? '—' : `\`${escape(s.default)}\``;
    return `| \`${variableName(name, s.key)}\` | ${value} | ${escape(s.description)}${s.secret ? ' (secret)' : ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function generateProviderDocs(
  definitions: Definitions = PROVIDER_DEFINITIONS,
  read: ReadFile = readRepoFile,
): Artifact[] {
  let readme = read('README.md') ?? '';
  if (!README_BLOCK.test(readme)) throw new Error('README.md has no providers-table markers in § Providers');
  readme = readme.replace(
    README_BLOCK,
    (_m, begin: string, end: string) => `${begin}${providersTable(definitions)}\n${end}`,
  );
  for (const definition of definitions) {
    const name = definition.capabilities.name;
    const block = settingsBlock(name);
    if (!block.test(readme)) {
      const { begin, end } = settingsMarkers(name);
      throw new Error(
        `provider ${name} has no variable table in README.md: add its section with the lines\n  ${begin}\n  ${end}\n(then run \`npm run gen\`)`,
      );
    }
    readme = readme.replace(block, (_m, begin: string, end: string) => `${begin}${settingsTable(definition)}\n${end}`);
  }
  return [{ path: 'README.md', content: readme }];
}
