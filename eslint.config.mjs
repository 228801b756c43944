// Lint: TypeScript's recommended rules, plus the house's boundaries (STYLE.md 10):
// no app imports another app, libs never import apps, and production code (`src`, specs aside)
// never imports test code — tsconfig.build.json compiles only production code, so such an import breaks the image.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const APPS = ['gateway', 'device-service', 'verification-service', 'notification-service', 'web'];

const appPatterns = (allowed) =>
  APPS.filter((app) => app !== allowed).map((app) => ({
    group: [`**/apps/${app}`, `**/apps/${app}/**`, `../${app}/**`, `../../${app}/**`, `../../../${app}/**`],
    message: allowed ? `apps/${allowed} must not import apps/${app}: talk over the bus (libs/contracts).` : 'libs must not import apps.',
  }));

const TEST_CODE = {
  group: [
    '**/test',
    '**/test/**',
    '@td/testing',
    '@td/testing/**',
    '**/libs/testing/**',
    '**/*.harness',
    '**/*.spec',
    '**/*.int-spec',
    '**/*.e2e-spec',
    '@nestjs/testing',
    'supertest',
    'testcontainers',
    '@testcontainers/*',
    'maildev',
  ],
  message:
    'production code (src) must not import test code or dev dependencies: put test helpers under test/ (they are not built into the image).',
};

const forbid = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const forbidApps = (allowed) => forbid(appPatterns(allowed));
const SPECS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.spec.tsx'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'apps/web/dist/**', 'coverage/**', 'test-output/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  // Type-aware rules where promises and unions matter most (issue 11 item 7), the web app included
  // (its own tsconfig, found by the project service; vite.config.ts is in no tsconfig, so the default project).
  {
    files: [
      'apps/*/src/**/*.ts',
      'apps/*/src/**/*.tsx',
      'apps/*/test/**/*.ts',
      'apps/web/vite.config.ts',
      'libs/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
    ],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['apps/web/vite.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  { files: ['libs/**/*.ts'], rules: forbidApps(null) },
  ...APPS.map((app) => ({ files: [`apps/${app}/**/*.ts`, `apps/${app}/**/*.tsx`], rules: forbidApps(app) })),
  // Production sources: the rules above plus "no test code".
  { files: ['libs/common/src/**/*.ts', 'libs/contracts/src/**/*.ts'], ignores: SPECS, rules: forbid([...appPatterns(null), TEST_CODE]) },
  ...APPS.map((app) => ({
    files: [`apps/${app}/src/**/*.ts`, `apps/${app}/src/**/*.tsx`],
    ignores: SPECS,
    rules: forbid([...appPatterns(app), TEST_CODE]),
  })),
);
