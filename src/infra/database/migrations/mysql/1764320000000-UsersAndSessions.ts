import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, login sessions (token families) and their refresh tokens. datetime(3) in UTC (pool timezone 'Z'). */
export class UsersAndSessions1764320000000 implements MigrationInterface {
  name = 'UsersAndSessions1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "CREATE TABLE `users` (`id` varchar(36) NOT NULL, `email` varchar(254) NOT NULL, `name` varchar(100) NOT NULL, `role` varchar(16) NOT NULL DEFAULT 'user', `is_active` tinyint NOT NULL DEFAULT 1, `password_hash` varchar(255) NOT NULL, `sessions_valid_after` datetime(3) NOT NULL, `created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), `updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), UNIQUE INDEX `UQ_users_email` (`email`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
    await q.query(
      'CREATE TABLE `sessions` (`id` varchar(36) NOT NULL, `user_id` varchar(36) NOT NULL, `created_at` datetime(3) NOT NULL, `expires_at` datetime(3) NOT NULL, `revoked_at` datetime(3) NULL, `revoke_reason` varchar(32) NULL, INDEX `IDX_sessions_user_id` (`user_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `refresh_tokens` (`id` varchar(36) NOT NULL, `session_id` varchar(36) NOT NULL, `token_hash` varchar(64) NOT NULL, `expires_at` datetime(3) NOT NULL, `used_at` datetime(3) NULL, INDEX `IDX_refresh_tokens_session_id` (`session_id`), UNIQUE INDEX `UQ_refresh_tokens_token_hash` (`token_hash`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'ALTER TABLE `sessions` ADD CONSTRAINT `FK_sessions_user_id` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await q.query(
      'ALTER TABLE `refresh_tokens` ADD CONSTRAINT `FK_refresh_tokens_session_id` FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `refresh_tokens`');
    await q.query('DROP TABLE `sessions`');
    await q.query('DROP TABLE `users`');
  }
}
