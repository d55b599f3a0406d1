// @ts-check
const { rootDir, shared } = require('./jest.shared');

/**
 * `npm test`: needs nothing installed or running. One project per kind of test, each also
 * runnable alone (`npm run test:<project>`, without the coverage gate):
 * - unit: specs beside the code, one class each, its side-effect injectables mocked;
 * - e2e: the real app in-process on a real database (embedded SQLite here;
 *   PostgreSQL/MySQL + Redis under `npm run test:integration`);
 * - process: real processes started as an operator or a developer would: the entry point
 *   with a bad configuration, the migration CLI, `nest g` followed by a build and a lint;
 * - static: deployment and monitoring artefacts read as files, with npm-installed parsers only.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // Every answer of an e2e app must be one openapi.json describes.
      setupFilesAfterEnv: ['<rootDir>/test/jest/openapi-contract.setup.ts'],
    },
    { ...shared, displayName: 'process', testMatch: ['<rootDir>/test/process/**/*.spec.ts'] },
    { ...shared, displayName: 'static', testMatch: ['<rootDir>/test/static/**/*.spec.ts'] },
  ],
  testTimeout: 30_000,
  // A worker keeps every test file's module registry it ran (Nest, ajv-compiled schemas of the
  // response checker); recycled once it holds this much, so the full run stays within the heap.
  workerIdleMemoryLimit: '1GB',
  // Coverage is of the code the suites above can reach in one process. Left out, and why:
  // - process entry points that only wire and start things: `src/main.ts`, `src/server.ts` and
  //   `src/infra/database/migrate.main.ts` (they install signal handlers, call process.exit or
  //   listen on a port; the process project and `npm run test:cluster` start them for real);
  // - migrations: schema data, checked against the entities by the schema test on every driver.
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/**/*.spec.ts',
    '!src/main.ts',
    '!src/server.ts',
    '!src/infra/database/migrate.main.ts',
    '!src/infra/database/migrations/**',
  ],
  // Applies with --coverage only (`npm test`); `--selectProjects` runs without it are not gated.
  coverageThreshold: { global: { statements: 85, branches: 85 } },
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
};
