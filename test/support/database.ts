import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, ScratchDatabase } from '@tools/database';

/** A database of the suite's own, dropped afterwards: suites never see each other's rows. */
export type TestDatabase = ScratchDatabase;

/** `TEST_DB=external` runs the suites against DATABASE_URL's server (PostgreSQL or MySQL). */
export const usingExternalDatabase = () => process.env.TEST_DB === 'external';

export function externalBaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DB=external needs DATABASE_URL (postgres://… or mysql://…)');
  return url;
}

/** SQLite in memory, or under `TEST_DB=external` a fresh database on DATABASE_URL's server. */
export async function provisionDatabase(): Promise<TestDatabase> {
  if (!usingExternalDatabase()) return { url: 'sqlite::memory:', drop: async () => undefined };
  return createDatabase(externalBaseUrl());
}

/** A database of the test's own on DATABASE_URL's server, whatever TEST_DB says (process tests). */
export async function freshDatabase(): Promise<TestDatabase> {
  return createDatabase(externalBaseUrl());
}

/**
 * Like `provisionDatabase`, but one that outlives an app, so a second app can boot on the
 * first one's rows: a SQLite file in a directory of its own instead of memory.
 */
export async function rebootableDatabase(): Promise<TestDatabase> {
  if (usingExternalDatabase()) return createDatabase(externalBaseUrl());
  const dir = await mkdtemp(join(tmpdir(), 'app-db-'));
  return { url: `sqlite:${join(dir, 'app.sqlite')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}
