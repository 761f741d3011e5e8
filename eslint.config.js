// Lint rules, including the import boundaries of DESIGN.md section 2: shared/ is pure and imports
// only shared/; the renderer talks to the machine only through the api contract.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'child_process',
  'os',
  'http',
  'net',
  'crypto',
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'test-results', 'renderer/public', '.cache'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Specs may use Node to call the real tools (nix-instantiate, grub-script-check) and read fixtures.
    files: ['shared/**'],
    ignores: ['shared/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'shared/ is pure: no Node built-ins.' },
            {
              group: ['**/electron/**', 'electron', '**/renderer/**', 'execa', 'systeminformation'],
              message: 'shared/ imports only shared/ (and pure libraries).',
            },
          ],
        },
      ],
    },
  },
  {
    // Renderer specs run in Node and may read the demo machine through the backend's code.
    files: ['renderer/**'],
    ignores: ['renderer/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'The renderer has no Node: talk to the api contract.' },
            {
              group: ['**/electron/**', 'electron', 'execa', 'systeminformation'],
              message: 'The renderer never imports electron/: use window.cohabit.',
            },
          ],
        },
      ],
    },
  },
);
