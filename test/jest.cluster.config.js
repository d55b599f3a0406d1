// @ts-check
const { shared } = require('./jest.shared');

/**
 * `npm run test:cluster`: real app processes (built into dist/) on PostgreSQL + Redis,
 * behind nginx where the test needs a load balancer. One suite at a time: they share
 * the machine's two cores and its database and Redis servers.
 * @type {import('jest').Config}
 */
module.exports = {
  ...shared,
  displayName: 'cluster',
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  testTimeout: 300_000,
};
