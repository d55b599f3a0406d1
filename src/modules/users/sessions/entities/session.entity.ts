import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from '@/infra/database/column-types';
import { User } from '@/modules/users/entities/user.entity';

/**
 * One login: the family of refresh tokens rotated from it, and every access token issued
 * in it (they carry its id as `sid`). Revoking the session kills all of them at once.
 */
@Entity('sessions')
export class Session {
  @PrimaryColumn(uuidColumn())
  id!: string;

  @Index('IDX_sessions_user_id')
  @Column({ name: 'user_id', ...uuidColumn() })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_sessions_user_id' })
  user?: User;

  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  /** Slides forward on each rotation; a session unused for the refresh lifetime dies. */
  @Column({ name: 'expires_at', ...timestampColumn() })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', ...timestampColumn(), nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 32, nullable: true })
  revokeReason!: string | null;

  /** The login's User-Agent, cut to 255 characters, so the owner can tell their devices apart. */
  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  /** The login's client address as TRUST_PROXY resolves it; 45 is the longest textual IPv6 address. */
  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  /**
   * The last refresh or access-token use, to about a minute: token checks never write it,
   * LastUsedRecorder does, in batches (see there).
   */
  @Column({ name: 'last_used_at', ...timestampColumn() })
  lastUsedAt!: Date;
}
