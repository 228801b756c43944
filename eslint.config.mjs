// Lint: TypeScript's recommended rules, plus the house's boundaries (STYLE.md 10):
// no app imports another app, and libs never import apps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const APPS = ['gateway', 'device-service', 'verification-service', 'notification-service', 'web'];

const forbidApps = (allowed) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: APPS.filter((app) => app !== allowed).map((app) => ({
        group: [`**/apps/${app}`, `**/apps/${app}/**`, `../${app}/**`, `../../${app}/**`, `../../../${app}/**`],
        message: allowed ? `apps/${allowed} must not import apps/${app}: talk over the bus (libs/contracts).` : 'libs must not import apps.',
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'apps/web/dist/**', 'coverage/**', 'test-output/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  { files: ['libs/**/*.ts'], rules: forbidApps(null) },
  ...APPS.map((app) => ({ files: [`apps/${app}/**/*.ts`, `apps/${app}/**/*.tsx`], rules: forbidApps(app) })),
);
