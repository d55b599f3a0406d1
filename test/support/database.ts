import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database of the suite's own, dropped afterwards: suites never see each other's rows. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** `TEST_DB=external` runs the suites against DATABASE_URL's server (PostgreSQL or MySQL). */
export const usingExternalDatabase = () => process.env.TEST_DB === 'external';

export function externalBaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DB=external needs DATABASE_URL (postgres://… or mysql://…)');
  return url;
}

export async function provisionDatabase(): Promise<TestDatabase> {
  if (!usingExternalDatabase()) return { url: 'sqlite::memory:', drop: async () => undefined };
  const base = new URL(externalBaseUrl());
  const name = `test_${randomBytes(6).toString('hex')}`;
  const target = new URL(base);
  target.pathname = `/${name}`;

  if (base.protocol.startsWith('postgres')) {
    await withPg(base, (c) => c.query(`CREATE DATABASE ${name}`));
    return {
      url: target.toString(),
      drop: async () => {
        await withPg(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  const mysql = await import('mysql2/promise');
  const run = async (sql: string) => {
    const conn = await mysql.createConnection(base.toString());
    try {
      await conn.query(sql);
    } finally {
      await conn.end();
    }
  };
  await run(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return { url: target.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name}`) };
}

async function withPg<T>(url: URL, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database of the test's own on DATABASE_URL's server, whatever TEST_DB says (process tests). */
export async function freshDatabase(): Promise<TestDatabase> {
  const saved = process.env.TEST_DB;
  process.env.TEST_DB = 'external';
  try {
    return await provisionDatabase();
  } finally {
    if (saved === undefined) delete process.env.TEST_DB;
    else process.env.TEST_DB = saved;
  }
}
