// @ts-check
const { shared } = require('./jest.shared');

/**
 * `npm run test:ops`: checks that need Debian tools (nginx, promtool, shellcheck,
 * kubectl, chromium, prometheus). `.ci/run` installs them first.
 * @type {import('jest').Config}
 */
module.exports = {
  ...shared,
  displayName: 'ops',
  testMatch: ['<rootDir>/test/ops/**/*.spec.ts'],
  testTimeout: 120_000,
};
