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
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts', '!src/infra/database/migrations/**'],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
};
