// @ts-check
const rootDir = require('node:path').resolve(__dirname, '..');
const shared = {
  rootDir,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/src/$1', '^@test/(.*)$': '<rootDir>/test/$1' },
  testEnvironment: 'node',
};

/**
 * `unit`: specs beside the code, one class each. `e2e`: the real app in-process on a real
 * database (embedded SQLite by default; PostgreSQL/MySQL + Redis under test:integration).
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
  testTimeout: 30_000,
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts', '!src/infra/database/migrations/**'],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
};
