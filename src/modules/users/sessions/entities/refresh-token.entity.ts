import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from '@/infra/database/column-types';
import { Session } from './session.entity';

/**
 * A refresh token, stored only as an HMAC of the opaque value the client holds. Each is
 * usable once: `usedAt` is set by an atomic conditional update when it is rotated.
 */
@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryColumn(uuidColumn())
  id!: string;

  @Index('IDX_refresh_tokens_session_id')
  @Column({ name: 'session_id', ...uuidColumn() })
  sessionId!: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'FK_refresh_tokens_session_id' })
  session?: Session;

  /** Hex HMAC-SHA256 keyed with JWT_REFRESH_SECRET: a stolen table yields no usable token. */
  @Index('UQ_refresh_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'expires_at', ...timestampColumn() })
  expiresAt!: Date;

  @Column({ name: 'used_at', ...timestampColumn(), nullable: true })
  usedAt!: Date | null;
}
