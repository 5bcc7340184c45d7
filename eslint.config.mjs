// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.autopilot/**', '.tools/**', '.venv-fuzz/**', '.schemathesis/**', 'schemathesis-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON response bodies loosely.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, and activities only as types
    // (as temporalio/samples-typescript's .eslintrc). The workflow interceptors are bundled with them.
    files: ['src/workflows/**/*.ts', 'src/temporal/workflow-log-context.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not do I/O: no Node built-ins in src/workflows.' })),
          patterns: [
            {
              group: ['**/activities', '**/activities/*', '**/db/*', '**/api/*', '**/channels/*', 'pg', 'openai', 'hono', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'],
              message: 'Workflows may import activities (and other I/O code) as types only: `import type { ... }`.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
