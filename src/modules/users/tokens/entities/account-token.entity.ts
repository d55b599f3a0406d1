import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { exactTextColumn, timestampColumn, uuidColumn } from '@/infra/database/column-types';
import { User } from '@/modules/users/entities/user.entity';

/** What a one-time token may do; a token found under one purpose is never accepted for another. */
export const TOKEN_PURPOSES = ['verify_email', 'reset_password', 'change_email', 'invitation'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/**
 * A single-use token mailed to a user (a verification, reset, email change or invitation
 * link), stored only as a keyed hash of its purpose and value. Spent by one conditional
 * UPDATE of `usedAt`, so of concurrent uses exactly one wins.
 */
@Entity('account_tokens')
export class AccountToken {
  @PrimaryColumn(uuidColumn())
  id!: string;

  @Index('IDX_account_tokens_user_id')
  @Column({ name: 'user_id', ...uuidColumn() })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_account_tokens_user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  purpose!: TokenPurpose;

  /** Hex HMAC-SHA256 of `<purpose>:<token>`: a stolen table yields no usable link. */
  @Index('UQ_account_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  /** The address the link was sent to be proved: the new one of an email change, the current one otherwise. */
  @Column({ ...exactTextColumn(254), nullable: true })
  email!: string | null;

  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Index('IDX_account_tokens_expires_at')
  @Column({ name: 'expires_at', ...timestampColumn() })
  expiresAt!: Date;

  @Column({ name: 'used_at', ...timestampColumn(), nullable: true })
  usedAt!: Date | null;
}
