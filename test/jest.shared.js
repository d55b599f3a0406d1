// @ts-check
const { resolve } = require('node:path');

const rootDir = resolve(__dirname, '..');

/** Settings every suite shares: TypeScript through ts-jest and the `@/` and `@test/` aliases. */
const shared = {
  rootDir,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: resolve(rootDir, 'tsconfig.json') }] },
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/src/$1', '^@test/(.*)$': '<rootDir>/test/$1' },
  testEnvironment: 'node',
};

module.exports = { rootDir, shared };
