#!/usr/bin/env node
// Generates a migration for the database DATABASE_URL points at, into that driver's own folder:
//   DATABASE_URL=postgres://… npm run migration:generate -- AddWidgets
// Run it once per driver you ship (sqlite, postgres, mysql) so every store gets its own SQL.
const { spawnSync } = require('node:child_process');
require('dotenv').config({ quiet: true });

const name = process.argv[2];
if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
  console.error('Usage: npm run migration:generate -- <PascalCaseName>');
  process.exit(1);
}

// DATABASE_URL is read as the app reads it: through ts-node, which `npm run typeorm` runs on too.
require('ts-node/register/transpile-only');
require('tsconfig-paths/register');
const { InvalidConfigError, parseEnv } = require('../src/config/env.schema');
const { databaseKindOf } = require('../src/config/database-driver');

let env;
try {
  env = parseEnv();
} catch (error) {
  if (!(error instanceof InvalidConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const kind = databaseKindOf(env.DATABASE_URL);
const result = spawnSync(
  'npm',
  ['run', 'typeorm', '--', 'migration:generate', `src/infra/database/migrations/${kind}/${name}`, '--pretty'],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
