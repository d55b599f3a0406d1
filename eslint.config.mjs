// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'bench/results/**', '.cluster/**'] },
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
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // Test code points one way: test/ may use tools/ and src/; tools/, scripts/ and bench/ may use
  // src/ but never test/; src/ uses neither (its specs may use test/). The typescript-eslint
  // variant of the rule, so these add to core `no-restricted-imports` zones and never replace them.
  {
    files: ['src/**'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(@test|@tools)/|(^|/)(test|tools)/', message: 'The service never imports test code.' }],
        },
      ],
    },
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
