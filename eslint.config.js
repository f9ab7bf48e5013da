import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersRule } from './eslint-rules/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tributary/', 'coverage/', 'docs/generated/', 'src/model/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The layer table of the README, for application code (tests may reach inside folders).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { tributary: { rules: { layers: layersRule } } },
    rules: { 'tributary/layers': 'error' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
