// @ts-check
const { rootDir, shared } = require('./jest.shared');

/**
 * `npm test`: needs nothing installed or running.
 * - unit: specs beside the code, one class each;
 * - e2e: the real app in-process on a real database (embedded SQLite here;
 *   PostgreSQL/MySQL + Redis under `npm run test:integration`);
 * - static: deployment and monitoring artefacts checked with npm-installed tools only.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    { ...shared, displayName: 'static', testMatch: ['<rootDir>/test/static/**/*.spec.ts'] },
  ],
  testTimeout: 30_000,
  // Coverage is of the code the suites above can reach in one process. Left out, and why:
  // - process entry points that only wire and start things: `src/main.ts`, `src/server.ts` and
  //   `src/infra/database/migrate.main.ts` (they install signal handlers, call process.exit or
  //   listen on a port; the
  //   process tests of `npm run test:cluster` start them for real);
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
