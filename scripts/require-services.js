#!/usr/bin/env node
// Guards the suites that run against real servers: without them they would silently test SQLite.
const missing = ['DATABASE_URL', 'REDIS_URL'].filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(
    `This suite runs against real servers and needs ${missing.join(' and ')}.\n` +
      'Example: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm run test:integration',
  );
  process.exit(1);
}
