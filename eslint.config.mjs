// Lint rules for the whole tree: typescript-eslint's recommended set; formatting is Prettier's job.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'tools/', 'docs/runs/', 'dashboard/vendor/', 'dashboard/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A rest sibling is how an object is copied without some of its fields.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A function longer than a screen does more than one thing; split it into named pieces.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Chart.js is loaded by its own script tag, served from node_modules.
    files: ['dashboard/**/*.js'],
    languageOptions: { globals: { ...globals.browser, Chart: 'readonly' } },
  },
  {
    // The examples are plain CommonJS scripts a user runs with node, not TypeScript modules.
    files: ['examples/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests build deliberately malformed input, which no precise type describes.
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A mocha describe or it callback (in the suite's and the cluster suite's spec files) is a list of cases, not
    // one function doing one thing; the limit stays on test support, chaos and cluster helpers.
    files: ['test/**/*.test.ts', 'test/cluster/*.cluster.ts', 'dashboard/**/*.js', 'examples/**/*.js'],
    rules: { 'max-lines-per-function': 'off' },
  },
  prettier,
);
