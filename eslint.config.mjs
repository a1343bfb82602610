// ESLint flat config: type-aware typescript-eslint for apps/, libs/ and test/, plain JS for
// scripts/. Formatting is prettier's job, so no stylistic rule lives here. CI runs
// `eslint . --max-warnings 0`: every rule below is an error or off, never a warning.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const APPS = ['auth', 'gateway', 'profile-projector', 'tracking-ingester'];

/**
 * Import hygiene (docs/architecture.md §2): a package reaches another only through its alias
 * `@idstream/<lib>`, which is the lib's one public entry. Regexes, because gitignore-style
 * globs cannot say "a relative path that climbs into apps/ or libs/".
 */
const boundaryPatterns = [
  {
    regex: '^@idstream/[^/]+/.+',
    message: "Import a lib only through its public entry: '@idstream/<lib>' (libs/<lib>/src/index.ts).",
  },
  {
    regex: '^(\\.{1,2}/)+(.+/)?(apps|libs)(/|$)',
    message: "No relative imports into apps/ or libs/: use '@idstream/<lib>'; an app never imports another app.",
  },
  {
    // From apps/auth/src/x.ts, '../../gateway/src/y' climbs out of its package into a sibling.
    regex: '^(\\.\\./)+[a-z0-9-]+/src(/|$)',
    message: "No parent-relative imports across packages: use '@idstream/<lib>'; an app never imports another app.",
  },
  {
    regex: '^/?(apps|libs|test)/',
    message: "No root-relative imports: use '@idstream/<lib>'.",
  },
];

/** Packages a pure module must not touch, so it stays deterministic and testable without mocks. */
const infrastructure = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'kafkajs',
  'nodemailer',
  '@idstream/persistence',
  '@idstream/messaging',
  '@idstream/runtime',
];

const restrictedImports = (extraGroups = []) => ['error', { patterns: [...boundaryPatterns, ...extraGroups] }];

export default defineConfig(
  {
    ignores: [
      'dist/',
      '**/dist/',
      '.build-*/',
      'node_modules/',
      '.data/',
      'coverage/',
      'libs/contracts/schemas/',
      'test/openapi-client/idstream-api.generated.ts',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // ---- TypeScript: apps, libs, tests (type-aware) ----
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    settings: {
      // Without these, import-x parses only .js dependencies and no-cycle sees no TypeScript edge.
      'import-x/extensions': ['.ts', '.js', '.cjs', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json', alwaysTryTypes: true })],
    },
    rules: {
      // Promises: every one awaited, returned, or explicitly `void`ed (habit 8). node:test's
      // describe/it return promises the runner itself tracks; awaiting them is not the idiom.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // `return promise` inside try/catch skips the catch: there the await is required.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],

      // Discriminated unions: every switch over a union covers every member (habit 2).
      '@typescript-eslint/switch-exhaustiveness-check': 'error',

      // `import type` for types (habit 8). With emitDecoratorMetadata on (tsconfig), the rule
      // leaves the constructor parameter types of decorated classes as value imports, which
      // Nest's DI needs at runtime.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',

      // Boundaries between packages (habit 8) and no import cycles (habit 6).
      '@typescript-eslint/no-restricted-imports': restrictedImports(),
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...APPS.map((app) => ({
              target: `./apps/${app}`,
              from: './apps',
              except: [`./${app}`],
              message: 'An app never imports another app: share code through a lib.',
            })),
            { target: './libs', from: './apps', message: 'A lib never imports an app.' },
            { target: './libs', from: './test', message: 'A lib never imports the end-to-end tests.' },
          ],
        },
      ],

      // Unused names: a leading underscore marks a deliberately unused argument or binding.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],

      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
    },
  },

  // The gateway owns nothing durable: it imports no database code, directly or through a lib
  // (libs/runtime and libs/messaging carry none; gateway.boundaries.spec.ts checks what loads).
  {
    files: ['apps/gateway/**/*.ts'],
    ignores: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports([
        {
          group: ['typeorm', 'pg', 'pg-*', '@idstream/persistence'],
          message: 'The gateway owns nothing durable and loads no database code (docs/architecture.md §2).',
        },
      ]),
    },
  },

  // libs/contracts and libs/crypto import nothing from Nest or infrastructure, so any consumer
  // can use them; the pure core of every aggregate (events, commands, state, decider) neither.
  {
    files: [
      'libs/contracts/src/**/*.ts',
      'libs/crypto/src/**/*.ts',
      '**/*.decider.ts',
      '**/*.decision.ts',
      '**/*.state.ts',
      '**/*.events.ts',
      '**/*.commands.ts',
      '**/*.errors.ts',
      '**/*.public.ts',
    ],
    ignores: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports([
        {
          group: infrastructure,
          message: 'Pure modules import no framework or infrastructure (docs/architecture.md §5: a pure core, a thin shell).',
        },
      ]),
    },
  },

  // Tests read JSON bodies and messages they then assert on: typing every response would add
  // nothing the assertion does not check, so `any` is allowed there (not in libs/testing, which
  // is shared code). Stubs like `async () => 5` satisfy Promise-returning parameters.
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['libs/testing/src/**/*.ts'],
    rules: { 'no-console': 'off' },
  },

  // The SDK runs in browsers and React Native too: it reaches no server package and no Node
  // module (the file storage, its one Node-only file, is exported apart as '@idstream/sdk/node').
  {
    files: ['libs/sdk/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/sdk/src/storage/file-storage.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports([
        {
          group: ['@idstream/*', 'node:*', ...infrastructure],
          message: 'The SDK imports no server code and no Node module: it runs in browsers and React Native.',
        },
      ]),
    },
  },

  // ---- Plain JavaScript: scripts/ (Node, no type information) ----
  {
    files: ['**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2023, globals: globals.node },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', ecmaVersion: 2023, globals: globals.node },
  },
  {
    // The example page's script runs in the browser.
    files: ['examples/web/app.js'],
    languageOptions: { globals: globals.browser },
  },
);
