import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per mail handed to the SMTP server, by idempotency key, so a retried job does not
 * send twice. The key is compared exactly (`utf8mb4_bin`): under the default case-insensitive
 * collation `Welcome:A` and `welcome:a` would be one delivery.
 */
export class MailDeliveries1765100000000 implements MigrationInterface {
  name = 'MailDeliveries1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE `mail_deliveries` (`idempotency_key` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `recipient_hash` varchar(64) NOT NULL, `sent_at` datetime(3) NOT NULL, INDEX `IDX_mail_deliveries_sent_at` (`sent_at`), PRIMARY KEY (`idempotency_key`)) ENGINE=InnoDB',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `mail_deliveries`');
  }
}
