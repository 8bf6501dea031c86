// ESLint flat config. The import-boundary rules below keep the pure layers pure
// (DESIGN.md "The way data flows"): core/, jq/, dsl/ and history/ import no IO and
// read no clock or randomness of their own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const pureLayers = ['src/core/**/*.ts', 'src/jq/**/*.ts', 'src/dsl/**/*.ts', 'src/history/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-cycle': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: pureLayers,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'net',
                'http',
                'https',
                'child_process',
                'worker_threads',
                'os',
                'dns',
                'tls',
                'crypto',
              ],
              message: 'Pure layers do no IO (DESIGN.md).',
            },
            {
              group: ['**/store/**', '**/runtime/**', '**/server/**', '**/cli/**'],
              message: 'Pure layers do not depend on IO layers (DESIGN.md).',
            },
            {
              group: ['better-sqlite3', 'pg', 'ws', 'hono', '@hono/*'],
              message: 'Pure layers do no IO (DESIGN.md).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'Pure layers do no IO.' },
        { name: 'setTimeout', message: 'Time comes into the pure layers as an argument.' },
        { name: 'setInterval', message: 'Time comes into the pure layers as an argument.' },
        { name: 'setImmediate', message: 'Pure layers do not schedule work.' },
        { name: 'process', message: 'Pure layers read no environment.' },
        { name: 'performance', message: 'Time comes into the pure layers as an argument.' },
        { name: 'crypto', message: 'Randomness comes into the pure layers as an argument.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Time comes into the pure layers as an argument.',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'Randomness comes into the pure layers as an argument.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the clock; time comes in as an argument.',
        },
      ],
    },
  },
);
