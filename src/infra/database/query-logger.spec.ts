import { Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { automock } from '@test/support/automock';
import { QueryLogger, SLOW_SQL_MAX_CHARS } from './query-logger';

describe(QueryLogger.name, () => {
  let logger: jest.Mocked<Logger>;
  let sut: QueryLogger;

  beforeEach(() => {
    logger = automock(Logger, { warn: () => undefined, log: () => undefined });
    sut = new QueryLogger(logger);
  });

  it('logs a slow query as one warning with operation, duration and pool, never its parameters', () => {
    const secret = '$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0';
    const runner = { getReplicationMode: () => 'slave' } as QueryRunner;
    sut.logQuerySlow(742, 'SELECT "id" FROM "users" WHERE "password_hash" = $1', [secret], runner);

    expect(logger.warn).toHaveBeenCalledTimes(1);
    const [fields, message] = logger.warn.mock.calls[0];
    expect(message).toBe('query slow');
    expect(fields).toEqual({
      operation: 'select',
      durationMs: 742,
      pool: 'replica',
      sql: 'SELECT "id" FROM "users" WHERE "password_hash" = $1',
    });
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(secret);
  });

  it('cuts a long statement short', () => {
    sut.logQuerySlow(900, `INSERT INTO t VALUES ${'(?),'.repeat(1000)}(?)`);
    expect(logger.warn.mock.calls[0][0]).toMatchObject({ operation: 'insert', pool: 'primary' });
    expect(logger.warn.mock.calls[0][0].sql).toHaveLength(SLOW_SQL_MAX_CHARS);
  });

  it('passes on TypeORM warnings and stays silent about every query and error', () => {
    sut.log('info', 'chatter');
    sut.logQuery();
    sut.logQueryError(new Error('duplicate'), 'INSERT INTO t VALUES (?)', ['secret']);
    expect(logger.warn).not.toHaveBeenCalled();
    sut.log('warn', 'something TypeORM wants known');
    expect(logger.warn).toHaveBeenCalledWith('something TypeORM wants known');
  });

  it("reports the migration CLI's progress at info", () => {
    sut.logSchemaBuild('Migration UsersAndSessions1764320000000 has been executed successfully.');
    sut.logMigration('Migration "UsersAndSessions1764320000000" failed, error: boom');
    expect(logger.log.mock.calls).toEqual([
      ['Migration UsersAndSessions1764320000000 has been executed successfully.'],
      ['Migration "UsersAndSessions1764320000000" failed, error: boom'],
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
