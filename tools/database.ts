import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database made for one run, dropped afterwards: runs never see each other's rows. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the PostgreSQL or MySQL/MariaDB server that `serverUrl` points at. */
export async function createDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const base = new URL(serverUrl);
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
