import type { QueryRunner } from 'typeorm';
import { poolOf, sqlOperation } from './query-metrics';

describe('sqlOperation', () => {
  it.each([
    ['SELECT "user"."id" FROM "users" "user" WHERE "user"."email" = $1', 'select'],
    ['  select 1', 'select'],
    ['(SELECT 1) UNION (SELECT 2)', 'select'],
    ['INSERT INTO `sessions`(`id`) VALUES (?)', 'insert'],
    ['UPDATE "refresh_tokens" SET "used_at" = $1 WHERE "id" = $2 AND "used_at" IS NULL', 'update'],
    ['DELETE FROM "users" WHERE "id" IN ($1)', 'delete'],
    ['/* TypeORM */ -- note\n  Update t SET a = 1', 'update'],
    ['WITH recent AS (SELECT id FROM users) SELECT * FROM recent', 'select'],
    ['WITH gone AS (SELECT id FROM users) DELETE FROM sessions WHERE user_id IN (SELECT id FROM gone)', 'delete'],
    ['START TRANSACTION', 'other'],
    ['COMMIT', 'other'],
    ['SELECT GET_LOCK(?, ?) AS acquired', 'select'],
    ['CREATE TABLE "users" ("id" uuid NOT NULL)', 'other'],
    ['', 'other'],
  ])('files %j under %s', (sql, operation) => {
    expect(sqlOperation(sql)).toBe(operation);
  });
});

describe('poolOf', () => {
  const runner = (mode: 'master' | 'slave') => ({ getReplicationMode: () => mode }) as QueryRunner;

  it('names the pool a query ran on from the runner’s replication mode', () => {
    expect(poolOf(runner('slave'))).toBe('replica');
    expect(poolOf(runner('master'))).toBe('primary');
    expect(poolOf(undefined)).toBe('primary');
  });
});
