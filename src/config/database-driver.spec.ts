import { createServer, Server, Socket } from 'node:net';
import { createConnection, createPool } from 'mysql2/promise';
import { Client, DatabaseError, Pool } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  databaseKindOf,
  isDatabaseReadOnly,
  isDatabaseUnavailable,
  isServerUrl,
  isUniqueViolation,
} from './database-driver';

describe('databaseKindOf', () => {
  it.each([undefined, '', '  ', 'sqlite:', 'sqlite::memory:', 'sqlite:data/app.sqlite', 'sqlite:///srv/app.sqlite'])(
    'selects the embedded SQLite file for %p',
    (url) => {
      expect(databaseKindOf(url)).toBe('sqlite');
    },
  );

  it.each([
    ['postgres://u:pw@db:5432/app', 'postgres'],
    ['postgresql://u@db/app?sslmode=require', 'postgres'],
    ['POSTGRES://u@db/app', 'postgres'],
    ['mysql://root@db:3306/app', 'mysql'],
    ['mariadb://u@db/app', 'mysql'],
    [' mysql://u@db/app ', 'mysql'],
  ])('reads %s as a %s server', (url, kind) => {
    expect(databaseKindOf(url)).toBe(kind);
  });

  it.each([
    'ftp://db.example.com/app',
    'redis://cache:6379',
    'db.example.com:5432/app',
    'SQLITE:app.sqlite',
    'http://[::1',
  ])('selects no store for %s', (url) => {
    expect(databaseKindOf(url)).toBeUndefined();
  });
});

describe('isServerUrl', () => {
  it('is true for a PostgreSQL or MySQL server only', () => {
    expect(isServerUrl('postgres://u@db/app')).toBe(true);
    expect(isServerUrl('mariadb://u@db/app')).toBe(true);
    expect(isServerUrl(undefined)).toBe(false);
    expect(isServerUrl('sqlite:data/app.sqlite')).toBe(false);
    expect(isServerUrl('ftp://db/app')).toBe(false);
  });
});

/** The error the SQLite driver raises for `sql`, wrapped by TypeORM as a repository call sees it. */
async function sqliteError(sql: string): Promise<unknown> {
  const db = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
  try {
    await db.query('PRAGMA foreign_keys = ON');
    await db.query('CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE)');
    await db.query('CREATE TABLE sessions (user_id TEXT REFERENCES users (id))');
    await db.query("INSERT INTO users VALUES ('u1', 'a@x.io')");
    return await db.query(sql).then(
      () => {
        throw new Error(`${sql} succeeded`);
      },
      (error: unknown) => error,
    );
  } finally {
    await db.destroy();
  }
}

/** A PostgreSQL error as pg raises it (pg-protocol's DatabaseError), wrapped by TypeORM. */
function postgresError(code: string, message: string): QueryFailedError {
  const driverError = Object.assign(new DatabaseError(message, message.length, 'error'), { severity: 'ERROR', code });
  return new QueryFailedError('INSERT INTO users …', [], driverError);
}

/** A MySQL/MariaDB server error as mysql2 builds it from the error packet, wrapped by TypeORM. */
function mysqlError(code: string, errno: number, sqlState: string, message: string): QueryFailedError {
  const driverError = Object.assign(new Error(message), { code, errno, sqlState, sqlMessage: message });
  return new QueryFailedError('INSERT INTO users …', [], driverError);
}

describe('isUniqueViolation', () => {
  it.each([
    ['SQLite unique index', "INSERT INTO users VALUES ('u2', 'a@x.io')", 'SQLITE_CONSTRAINT_UNIQUE'],
    ['SQLite primary key', "INSERT INTO users VALUES ('u1', 'b@x.io')", 'SQLITE_CONSTRAINT_PRIMARYKEY'],
  ])('recognises a lost unique-key race on %s', async (_, sql, code) => {
    const error = await sqliteError(sql);

    expect(error).toMatchObject({ driverError: { code } });
    expect(isUniqueViolation(error)).toBe(true);
  });

  it.each([
    ['PostgreSQL', postgresError('23505', 'duplicate key value violates unique constraint "users_email_key"')],
    ['MySQL/MariaDB', mysqlError('ER_DUP_ENTRY', 1062, '23000', "Duplicate entry 'a@x.io' for key 'users.email'")],
    ['an unwrapped driver error', Object.assign(new Error('duplicate'), { code: '23505' })],
  ])('recognises a lost unique-key race on %s', (_, error) => {
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('does not mistake a foreign key on SQLite for one', async () => {
    const error = await sqliteError("INSERT INTO sessions VALUES ('nobody')");

    expect(error).toMatchObject({ driverError: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    expect(isUniqueViolation(error)).toBe(false);
  });

  it.each([
    [
      'a foreign key on PostgreSQL',
      postgresError('23503', 'insert or update on table "sessions" violates foreign key'),
    ],
    ['a foreign key on MySQL', mysqlError('ER_NO_REFERENCED_ROW_2', 1452, '23000', 'Cannot add or update a child row')],
    ['an error without a code', new Error('failed')],
  ])('does not mistake %s for one', (_, error) => {
    expect(isUniqueViolation(error)).toBe(false);
  });

  it.each([null, undefined, 'ER_DUP_ENTRY', 23505])('is false for %p, which is not an error object', (value) => {
    expect(isUniqueViolation(value)).toBe(false);
  });
});

describe('isDatabaseUnavailable', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  });

  /** A local port; `accept` decides what happens to each connection, none means the port is closed. */
  async function port(accept?: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.add(socket);
      accept?.(socket);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    if (accept) servers.push(server);
    else await new Promise((done) => server.close(done));
    return port;
  }
  // Reads what the client sent first, so closing sends a FIN rather than a reset.
  const hangUp = (socket: Socket) => socket.resume().end();
  const stayMute = () => undefined;
  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => {
        throw new Error('connected');
      },
      (error: unknown) => error,
    );

  it('recognises a refused connection from pg and from mysql2', async () => {
    const closed = await port();

    const pg = await failure(new Client({ host: '127.0.0.1', port: closed }).connect());
    const mysql = await failure(createConnection({ host: '127.0.0.1', port: closed }));

    expect([pg, mysql]).toMatchObject([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }]);
    expect(isDatabaseUnavailable(pg)).toBe(true);
    expect(isDatabaseUnavailable(mysql)).toBe(true);
  });

  it('recognises a server that hangs up, from pg and from mysql2', async () => {
    const rude = await port(hangUp);

    const pg = await failure(new Client({ host: '127.0.0.1', port: rude }).connect());
    const mysql = await failure(createConnection({ host: '127.0.0.1', port: rude }));

    expect(pg).toMatchObject({ message: 'Connection terminated unexpectedly' });
    expect(isDatabaseUnavailable(pg)).toBe(true);
    expect(mysql).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(isDatabaseUnavailable(mysql)).toBe(true);
  });

  it('recognises a pg pool that cannot connect in time, for the connection and for the caller queued behind it', async () => {
    const pool = new Pool({ host: '127.0.0.1', port: await port(stayMute), max: 1, connectionTimeoutMillis: 100 });
    try {
      const errors = await Promise.all([failure(pool.connect()), failure(pool.connect())]);

      expect(errors.map((e) => (e as Error).message).sort()).toEqual([
        'Connection terminated due to connection timeout',
        'timeout exceeded when trying to connect',
      ]);
      for (const error of errors) expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('recognises a closed mysql2 pool', async () => {
    const pool = createPool({ host: '127.0.0.1', port: await port() });
    await pool.end();

    expect(isDatabaseUnavailable(await failure(pool.getConnection()))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'])(
    'recognises the socket error %s of any driver',
    (code) => {
      expect(isDatabaseUnavailable(Object.assign(new Error(`${code} db:5432`), { code, syscall: 'connect' }))).toBe(
        true,
      );
    },
  );

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['08000', 'connection exception'],
    ['08001', 'could not connect to server'],
    ['08003', 'connection does not exist'],
    ['08006', 'connection failure'],
    ['57014', 'canceling statement due to statement timeout'],
    ['53300', 'sorry, too many clients already'],
  ])('recognises PostgreSQL %s (%s)', (code, message) => {
    expect(isDatabaseUnavailable(postgresError(code, message))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'connect ECONNREFUSED 10.0.0.5:5432',
    'Pool is closed.',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ])('recognises a driver error without a code that says "%s"', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it('recognises a reply that missed pg’s query_timeout, as TypeORM wraps it', () => {
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], new Error('Query read timeout')))).toBe(true);
  });

  it('does not take a failing query for an unavailable database', async () => {
    expect(isDatabaseUnavailable(await sqliteError('SELECT * FROM secrets'))).toBe(false);
    expect(isDatabaseUnavailable(postgresError('23505', 'duplicate key value'))).toBe(false);
    expect(
      isDatabaseUnavailable(mysqlError('ER_PARSE_ERROR', 1064, '42000', 'You have an error in your SQL syntax')),
    ).toBe(false);
  });

  it('is false for a value that is not an Error, whatever its code', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
  });
});

describe('isDatabaseReadOnly', () => {
  const standbyWrite = postgresError('25006', 'cannot execute INSERT in a read-only transaction');
  const mariadbReadOnly = mysqlError(
    'ER_OPTION_PREVENTS_STATEMENT',
    1290,
    'HY000',
    'The MariaDB server is running with the --read-only option so it cannot execute this statement',
  );
  const mysqlSuperReadOnly = mysqlError(
    'ER_OPTION_PREVENTS_STATEMENT',
    1290,
    'HY000',
    'The MySQL server is running with the --super-read-only option so it cannot execute this statement',
  );

  it.each([
    ['a write on a PostgreSQL standby (25006)', standbyWrite],
    ['a write on a read-only MariaDB', mariadbReadOnly],
    ['a write on a super-read-only MySQL', mysqlSuperReadOnly],
  ])('recognises %s, and counts it as the database being unavailable', (_, error) => {
    expect(isDatabaseReadOnly(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('does not take another option that prevents a statement for a read-only server', () => {
    const filePriv = mysqlError(
      'ER_OPTION_PREVENTS_STATEMENT',
      1290,
      'HY000',
      'The MySQL server is running with the --secure-file-priv option so it cannot execute this statement',
    );

    expect(isDatabaseReadOnly(filePriv)).toBe(false);
    expect(isDatabaseUnavailable(filePriv)).toBe(false);
  });

  it('is false for an outage that is not about writes, and for what is not an Error', () => {
    expect(isDatabaseReadOnly(postgresError('57P01', 'terminating connection'))).toBe(false);
    expect(isDatabaseReadOnly(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDatabaseReadOnly({ code: '25006' })).toBe(false);
  });
});
