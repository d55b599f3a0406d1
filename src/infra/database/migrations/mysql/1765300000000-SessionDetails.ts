import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a user needs to tell their sessions apart: the login's User-Agent and client address
 * (unknown for earlier sessions), and when the session was last used, which for an existing
 * session starts at its login. `last_used_at` is added nullable, filled, then made NOT NULL:
 * MySQL would otherwise fill existing rows with a zero date.
 */
export class SessionDetails1765300000000 implements MigrationInterface {
  name = 'SessionDetails1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE `sessions` ADD `user_agent` varchar(255) NULL, ADD `ip` varchar(45) NULL, ADD `last_used_at` datetime(3) NULL',
    );
    await q.query('UPDATE `sessions` SET `last_used_at` = `created_at`');
    await q.query('ALTER TABLE `sessions` MODIFY `last_used_at` datetime(3) NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE `sessions` DROP COLUMN `last_used_at`, DROP COLUMN `ip`, DROP COLUMN `user_agent`');
  }
}
