/**
 * Runs every code generator and writes the committed artifacts.
 *
 *   npm run gen                 regenerate
 *   npm run gen -- --check      fail (exit 1) when a committed artifact differs (drift check)
 *   npm run gen -- --spec FILE  read Terra's contract from FILE instead of reference/terra/…
 *
 * A generator is a function returning the artifacts it owns; add yours to GENERATORS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateDestinationDocs } from './gen-destinations.ts';
import { DEFAULT_SPEC, generateModel, REPO_ROOT, type Artifact } from './gen-model.ts';
import { generateOpenApi } from './gen-openapi.ts';
import { generateProviderDocs } from './gen-providers.ts';

interface Options {
  check: boolean;
  spec: string;
}

const GENERATORS: { name: string; run(options: Options): Artifact[] }[] = [
  { name: 'model', run: (options) => generateModel(options.spec) },
  { name: 'destination docs', run: () => generateDestinationDocs() },
  { name: 'provider docs', run: () => generateProviderDocs() },
  { name: 'OpenAPI document', run: () => generateOpenApi() },
];

function parseArgs(argv: string[]): Options {
  const options: Options = { check: false, spec: DEFAULT_SPEC };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') options.check = true;
    else if (argv[i] === '--spec' && argv[i + 1]) options.spec = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (expected --check or --spec FILE)`);
  }
  return options;
}

function main(): number {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(options.spec)) {
    console.error(
      `Terra's contract not found at ${options.spec} (it is carried in the repository under reference/terra/; or pass --spec FILE)`,
    );
    return 2;
  }
  const stale: string[] = [];
  for (const generator of GENERATORS) {
    for (const artifact of generator.run(options)) {
      const file = join(REPO_ROOT, artifact.path);
      const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      if (current === artifact.content) continue;
      if (options.check) {
        stale.push(artifact.path);
      } else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, artifact.content);
        console.log(`wrote ${artifact.path}`);
      }
    }
  }
  if (stale.length > 0) {
    console.error(`generated artifacts are out of date (run \`npm run gen\` and commit):\n  ${stale.join('\n  ')}`);
    return 1;
  }
  console.log(options.check ? 'generated artifacts are up to date' : 'generation done');
  return 0;
}

process.exitCode = main();
