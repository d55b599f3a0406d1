import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single-use tokens of account mails (stored as keyed hashes), and whether a user proved
 * their address. The address a token proves is compared exactly, like `users.email`.
 */
export class AccountTokens1765200000000 implements MigrationInterface {
  name = 'AccountTokens1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE `users` ADD `email_verified` tinyint NOT NULL DEFAULT 0');
    await q.query(
      'CREATE TABLE `account_tokens` (`id` varchar(36) NOT NULL, `user_id` varchar(36) NOT NULL, `purpose` varchar(16) NOT NULL, `token_hash` varchar(64) NOT NULL, `email` varchar(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, `created_at` datetime(3) NOT NULL, `expires_at` datetime(3) NOT NULL, `used_at` datetime(3) NULL, INDEX `IDX_account_tokens_user_id` (`user_id`), UNIQUE INDEX `UQ_account_tokens_token_hash` (`token_hash`), INDEX `IDX_account_tokens_expires_at` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'ALTER TABLE `account_tokens` ADD CONSTRAINT `FK_account_tokens_user_id` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `account_tokens`');
    await q.query('ALTER TABLE `users` DROP COLUMN `email_verified`');
  }
}
