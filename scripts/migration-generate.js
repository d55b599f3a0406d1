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
const url = process.env.DATABASE_URL ?? '';
const kind = url === '' || url.startsWith('sqlite:') ? 'sqlite' : /^postgres/.test(url) ? 'postgres' : 'mysql';
const result = spawnSync(
  'npm',
  ['run', 'typeorm', '--', 'migration:generate', `src/infra/database/migrations/${kind}/${name}`, '--pretty'],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
