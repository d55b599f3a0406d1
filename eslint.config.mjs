// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first. Each may import the ones below it and never one above:
 *   config, common  <-  infra  <-  modules (health, metrics  <-  users  <-  auth)
 * The one upward edge is `modules/auth/decorators`: metadata-only decorators that every
 * feature's controllers use to declare a route's access (see the auth module).
 * `src/` never imports `test/` or `tools/`; specs beside the code may use test factories.
 * `tools/`, `scripts/` and `bench/` share code through `tools/` and never import `test/`.
 */
const noTestCode = {
  regex: '^(@test|@tools)/|(^|/)(test|tools)/',
  message: 'Application code does not depend on test or tool code.',
};
/** A layer is named in the path, so a reader (and the rules here) can see it. */
const noDeepRelative = {
  regex: '^\\.\\./(\\.\\./|(modules|infra|common|config|auth|users|health|metrics)(/|$))',
  message: 'Reach another layer or feature through the @/ alias.',
};
/** Forbids, in `files`, imports whose path matches `regex`; specs beside the code are exempt. */
const layer = (files, regex, message) => ({
  files,
  ignores: ['src/**/*.spec.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [...(regex ? [{ regex, message }] : []), noTestCode, noDeepRelative] },
    ],
  },
});
const AUTH_BUT_DECORATORS = '@/modules/auth/(?!decorators/)';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'packages/*/dist/**',
      // Written by `npm run openapi` (@hey-api/openapi-ts): held to the generator's output, not to these rules.
      'packages/client/src/generated/**',
      'coverage/**',
      'node_modules/**',
      'bench/results/**',
      '.cluster/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
    },
    rules: {
      // `args: 'none'`: Nest CLI generators emit handler stubs whose parameters are used once implemented.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': 'error',
    },
  },
  // Type-aware rules for every TypeScript file: the code fires some promises on purpose
  // (`void`), so one that is neither awaited nor marked is a bug.
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Tests, scripts and benchmarks read untyped JSON (response bodies, logs, metrics) on
  // purpose; the promise rules above still hold for them.
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'tools/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Stubs stand in for async collaborators: `async () => value` is the clearest stub.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Every module folder, a generated one included, before the zones of the known ones.
  layer(['src/modules/**'], `^${AUTH_BUT_DECORATORS}`, 'Only auth itself uses auth beyond its access decorators.'),
  layer(['src/config/**', 'src/common/**'], '^@/(infra|modules)/', 'config and common are the bottom layer.'),
  layer(['src/infra/**'], '^@/modules/', 'Infrastructure does not depend on a feature module.'),
  layer(
    ['src/modules/health/**'],
    `^(@/modules/(users|metrics)/|${AUTH_BUT_DECORATORS})`,
    'Health depends on infrastructure, not on other features.',
  ),
  layer(
    ['src/modules/metrics/**'],
    `^(@/modules/(users|health)/|${AUTH_BUT_DECORATORS})`,
    'Metrics depend on infrastructure, not on other features.',
  ),
  layer(
    ['src/modules/users/**'],
    `^${AUTH_BUT_DECORATORS}`,
    'users sits below auth: auth imports users, never the reverse.',
  ),
  layer(['src/*.ts', 'src/modules/auth/**'], '', ''),
  {
    files: ['scripts/**', 'bench/**', 'test/**', 'tools/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['tools/**', 'scripts/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^@test/|(^|/)test/', message: 'test/ is for the suites; shared code lives in tools/.' }],
        },
      ],
    },
  },
);
