import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import {
  createdAtColumn,
  exactTextColumn,
  timestampColumn,
  updatedAtColumn,
  uuidColumn,
} from '@/infra/database/column-types';

export const USER_ROLES = ['user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * A persisted account. Persistence model only: responses are built by `toUserResponse()`,
 * and the password hash is never selected unless a query asks for it explicitly.
 */
@Entity('users')
export class User {
  /** Assigned by the application (UUID v4), so every driver stores the same shape. */
  @PrimaryColumn(uuidColumn())
  id!: string;

  /**
   * Always normalised (NFKC, trimmed, lower-cased) before it is stored and compared exactly,
   * so the unique index holds one row per normalised address on every driver.
   */
  @Index('UQ_users_email', { unique: true })
  @Column(exactTextColumn(254))
  email!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role!: UserRole;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  /** Set by following a verification link (or a reset or invitation link, which reached the same mailbox). */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash!: string;

  /** Sessions created before this instant are dead: bumped on deactivation and deletion. */
  @Column({ name: 'sessions_valid_after', ...timestampColumn() })
  sessionsValidAfter!: Date;

  @CreateDateColumn({ name: 'created_at', ...createdAtColumn() })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', ...updatedAtColumn() })
  updatedAt!: Date;
}
