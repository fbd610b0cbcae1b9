// @ts-check
/**
 * Lint: typescript-eslint's recommended rules, and the house rules the code is built on:
 * - no import cycles;
 * - imports point down the layers: client, scripts, bench → workflows, workers → activities → common;
 * - workflow files import no Node built-in and no activity code (types only), as the Temporal
 *   samples have it: workflow code runs in a deterministic sandbox.
 * Formatting is prettier's (`prettier --check`, width 120); eslint-config-prettier turns off what
 * would disagree with it.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const layer = (target, ...from) => ({
  target,
  from,
  message: `imports point down the layers: ${target} may not import ${from.join(', ')}`,
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.site/', '.demo/', '.temporal/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Input is refused when it holds control characters: the regular expressions name them on purpose.
      'no-control-regex': 'off',
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            layer('./common', './activities', './workflows', './workers', './client', './scripts', './bench'),
            layer('./activities', './workflows', './workers', './client', './scripts', './bench'),
            layer('./workflows', './workers', './client', './scripts', './bench'),
            layer('./workers', './client', './scripts', './bench'),
            layer('./client', './scripts', './bench'),
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'workflow code runs in a sandbox: no Node built-ins',
          })),
          patterns: [
            {
              group: ['**/activities/**', '!**/activities/types.js'],
              allowTypeImports: true,
              message: 'workflows call activities through proxyActivities: import their types only',
            },
            {
              group: ['execa', 'oracledb', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'],
              message: 'not in workflow code',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
