import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.email` compared exactly. Under the database's default `utf8mb4_*_ci` collation
 * `josé@` and `jose@` were one account; the application normalises emails itself, so the
 * column must not fold anything further. Rows that were distinct under the accent- and
 * case-insensitive collation stay distinct under the binary one, so the unique index
 * `UQ_users_email` (rebuilt by MODIFY) cannot fail on existing data.
 */
export class UsersEmailBinaryCollation1764900000000 implements MigrationInterface {
  name = 'UsersEmailBinaryCollation1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE `users` MODIFY `email` varchar(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL');
  }

  /** Back to the table's default; fails if two rows now differ only by accent or case, as it must. */
  async down(q: QueryRunner): Promise<void> {
    const [{ collation }] = (await q.query(
      'SELECT TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      ['users'],
    )) as Array<{ collation: string }>;
    await q.query(
      `ALTER TABLE \`users\` MODIFY \`email\` varchar(254) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`,
    );
  }
}
