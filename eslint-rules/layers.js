// @ts-check
/**
 * `tributary/layers`: the README's layer table, enforced. Each top-level folder of `src/`
 * may import only the folders listed for it; provider and destination folders are entered
 * through their `index.ts` only; a destination never imports another destination.
 * Type-only imports of the store contract are allowed where `types` says so (a provider may
 * name a `User`, never call the store).
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** folder → the folders it may import (besides itself). `app.ts` and `cli/` compose everything. */
export const LAYERS = {
  model: { may: [] },
  core: { may: ['model'] },
  formats: { may: ['core', 'model'] },
  export: { may: ['core', 'model', 'formats'] },
  store: { may: ['core', 'model'] },
  queue: { may: ['core', 'store'] },
  providers: { may: ['core', 'model', 'formats', 'export'], types: ['store'] },
  delivery: { may: ['core', 'model', 'formats', 'export', 'queue', 'store'] },
  ingest: { may: ['core', 'model', 'formats', 'export', 'providers', 'delivery', 'queue', 'store'] },
  auth: { may: ['core', 'model', 'providers', 'ingest', 'delivery', 'queue', 'store'] },
  health: { may: ['core', 'model', 'store', 'queue', 'providers', 'delivery'] },
  api: {
    may: ['core', 'model', 'formats', 'export', 'providers', 'delivery', 'ingest', 'auth', 'health', 'store', 'queue'],
  },
  mcp: {
    may: ['core', 'model', 'formats', 'export', 'providers', 'delivery', 'ingest', 'auth', 'store', 'queue', 'api'],
  },
  // The dashboard runs in the browser: it names the API's types (one schema per route), never imports code.
  web: { may: [], types: ['api'] },
  cli: { may: ['*'] },
  'app.ts': { may: ['*'] },
};

/** Folders whose sub-folders are plug-ins, entered only through `<plug-in>/index.ts`. */
const PLUGIN_ROOTS = ['providers', 'delivery/destinations'];

const WHY =
  'the layer table (README "Architecture", eslint-rules/layers.js): keep the dependency, or move the code to the layer that owns it';

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layer table of the README' },
    schema: [],
  },
  create(context) {
    const srcRoot = resolve(context.cwd, 'src');
    const file = context.filename;
    const fromRel = relative(srcRoot, file).split(sep).join('/');
    if (fromRel.startsWith('..')) return {};
    const fromTop = fromRel.includes('/') ? fromRel.split('/')[0] : fromRel;
    const layer = LAYERS[/** @type {keyof typeof LAYERS} */ (fromTop)];

    /** @param {any} node @param {string} source @param {boolean} typeOnly */
    function check(node, source, typeOnly) {
      if (!source.startsWith('.')) return;
      const target = relative(srcRoot, resolve(dirname(file), source))
        .split(sep)
        .join('/');
      if (target.startsWith('..')) return;
      const toTop = target.includes('/') ? target.split('/')[0] : target;
      const report = (/** @type {string} */ message) =>
        context.report({ node, message: `tributary/layers: ${message}. See ${WHY}.` });

      if (target.includes('/') && !(toTop in LAYERS))
        return report(`src/${toTop}/ is not in the layer table yet: add it with the layers it may import`);
      if (layer && toTop !== fromTop && !layer.may.includes('*') && !layer.may.includes(toTop)) {
        const typesOk = typeOnly && (layer.types ?? []).includes(toTop);
        if (!typesOk)
          return report(
            `src/${fromTop}/ may not import src/${toTop}/ (allowed: ${layer.may.join(', ') || 'nothing'}${layer.types ? `; types only from ${layer.types.join(', ')}` : ''})`,
          );
      }
      for (const root of PLUGIN_ROOTS) {
        if (!target.startsWith(root + '/')) continue;
        const rest = target.slice(root.length + 1).split('/');
        if (rest.length < 2) continue; // a file of the root itself (registry.ts, destination.ts…)
        const plugin = `${root}/${rest[0]}`;
        if (fromRel.startsWith(plugin + '/')) continue; // inside the plug-in
        const fromPlugin = fromRel.startsWith(root + '/') && fromRel.slice(root.length + 1).includes('/');
        if (root === 'delivery/destinations' && fromPlugin)
          return report(
            `a destination may not import another destination (${plugin}); move shared code to src/delivery/destinations/*.ts`,
          );
        if (rest.length > 2 || rest[1] !== 'index.ts')
          return report(`import ${plugin}/index.ts, not a file inside it (${target})`);
      }
    }

    return {
      ImportDeclaration(node) {
        // @ts-expect-error importKind comes from the TypeScript parser
        check(node, String(node.source.value), node.importKind === 'type');
      },
      ExportNamedDeclaration(node) {
        // @ts-expect-error exportKind comes from the TypeScript parser
        if (node.source) check(node, String(node.source.value), node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        // @ts-expect-error exportKind comes from the TypeScript parser
        check(node, String(node.source.value), node.exportKind === 'type');
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, String(node.source.value), false);
      },
    };
  },
};
