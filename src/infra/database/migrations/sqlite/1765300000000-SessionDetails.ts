import type { MigrationInterface, QueryRunner } from 'typeorm';

const SESSION_COLUMNS = `"id", "user_id", "created_at", "expires_at", "revoked_at", "revoke_reason"`;

/**
 * What a user needs to tell their sessions apart: the login's User-Agent and client address
 * (unknown for earlier sessions), and when the session was last used, which for an existing
 * session starts at its login. SQLite adds a NOT NULL column only with a default, so the
 * table is rebuilt (TypeORM runs migrations with foreign keys off: dropping the old table
 * does not cascade to the refresh tokens).
 */
export class SessionDetails1765300000000 implements MigrationInterface {
  name = 'SessionDetails1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_sessions_user_id"`);
    await q.query(
      `CREATE TABLE "temporary_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "revoked_at" datetime, "revoke_reason" varchar(32), "user_agent" varchar(255), "ip" varchar(45), "last_used_at" datetime NOT NULL, CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await q.query(
      `INSERT INTO "temporary_sessions" (${SESSION_COLUMNS}, "last_used_at") SELECT ${SESSION_COLUMNS}, "created_at" FROM "sessions"`,
    );
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`ALTER TABLE "temporary_sessions" RENAME TO "sessions"`);
    await q.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
  }

  /** The same rebuild: renaming `sessions` away first would carry the refresh tokens' foreign key with it. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_sessions_user_id"`);
    await q.query(
      `CREATE TABLE "temporary_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "revoked_at" datetime, "revoke_reason" varchar(32), CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await q.query(`INSERT INTO "temporary_sessions" (${SESSION_COLUMNS}) SELECT ${SESSION_COLUMNS} FROM "sessions"`);
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`ALTER TABLE "temporary_sessions" RENAME TO "sessions"`);
    await q.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
  }
}
