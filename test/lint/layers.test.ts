import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layersRule } from '../../eslint-rules/layers.js';

/**
 * `tributary/layers` (eslint-rules/layers.js, run by `npm run lint` in CI) on code that is not
 * in the tree: the rule alone, with the TypeScript parser, as eslint.config.js wires it.
 */
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { tributary: { rules: { layers: layersRule } } },
      rules: { 'tributary/layers': 'error' },
    },
  ],
});

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'tributary/layers').map((m) => m.message);
}

describe('the layer rule', () => {
  it('refuses a provider that writes through ingest, naming the rule and the allowed layers', async () => {
    const errors = await layerErrors(
      'src/providers/apple/sneaky.ts',
      "import { storeRecords } from '../../ingest/store-records.ts';\nexport const x = storeRecords;\n",
    );
    expect(errors).toEqual([
      expect.stringMatching(/^tributary\/layers: src\/providers\/ may not import src\/ingest\//),
    ]);
  });

  it('lets a provider name store types, never call the store', async () => {
    expect(
      await layerErrors(
        'src/providers/apple/typed.ts',
        "import type { User } from '../../store/index.ts';\nexport type U = User;\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/providers/apple/value.ts',
        "import { openStore } from '../../store/index.ts';\nexport const o = openStore;\n",
      ),
    ).toHaveLength(1);
  });

  it('makes api/ enter provider and destination folders through index.ts', async () => {
    const deep = await layerErrors(
      'src/api/routes/x.ts',
      "import { s3ConfigSchema } from '../../delivery/destinations/s3/s3.ts';\nexport const s = s3ConfigSchema;\n",
    );
    expect(deep).toEqual([expect.stringContaining('import delivery/destinations/s3/index.ts, not a file inside it')]);
    expect(
      await layerErrors(
        'src/api/routes/x.ts',
        "import { s3Destination } from '../../delivery/destinations/s3/index.ts';\nexport const s = s3Destination;\n",
      ),
    ).toEqual([]);
  });

  it('keeps destinations apart', async () => {
    const errors = await layerErrors(
      'src/delivery/destinations/kafka/x.ts',
      "import { webhookDestination } from '../webhook/index.ts';\nexport const w = webhookDestination;\n",
    );
    expect(errors).toEqual([expect.stringContaining('a destination may not import another destination')]);
  });

  it('keeps the store below everything but core and model', async () => {
    const errors = await layerErrors(
      'src/store/sql/x.ts',
      "import { DeliveryService } from '../../delivery/service.ts';\nexport const d = DeliveryService;\n",
    );
    expect(errors).toEqual([expect.stringContaining('src/store/ may not import src/delivery/')]);
  });
});
