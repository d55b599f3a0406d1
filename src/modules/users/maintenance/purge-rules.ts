import type { EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { MaintenanceConfig } from '@/config/configuration';
import { MailDelivery } from '@/infra/mail/entities/mail-delivery.entity';
import { RefreshToken } from '../sessions/entities/refresh-token.entity';
import { Session } from '../sessions/entities/session.entity';
import { AccountToken } from '../tokens/entities/account-token.entity';

/**
 * One table the periodic clean-up keeps small. `where` narrows a select of the table
 * (alias `row`, entity property names) to the rows that may go at `now`. A row it matches
 * must keep matching later (a revocation or an expiry in the past stays in the past): the
 * ids are selected first and deleted by id in a second statement.
 */
export interface PurgeRule {
  /** Names the rows in the run's log line. */
  kind: string;
  entity: EntityTarget<ObjectLiteral>;
  /** The primary key's property, by which rows are selected and deleted; `id` unless given. */
  key?: string;
  where(rows: SelectQueryBuilder<ObjectLiteral>, now: Date): SelectQueryBuilder<ObjectLiteral>;
  /**
   * Rows of other tables that reference these by `column` and go with them, in the same
   * batch and first, rather than relying on ON DELETE CASCADE (SQLite enforces it only
   * with `foreign_keys` on).
   */
  dependents?: { entity: EntityTarget<ObjectLiteral>; column: string }[];
}

const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

/**
 * What the clean-up deletes, in this order (docs/jobs.md, "Periodic clean-up"). A table is
 * added with one entry here.
 */
export function purgeRules(cfg: MaintenanceConfig): PurgeRule[] {
  return [
    {
      // A spent token matters only while it can still be presented for reuse detection:
      // until it expires (no later than its session's end), or until its session is revoked
      // (a revoked session refuses it anyway). A spent token of a live session stays.
      kind: 'refresh_tokens',
      entity: RefreshToken,
      where: (rows, now) => {
        const cutoff = before(now, cfg.refreshTokensRetentionMs);
        const revoked = rows
          .subQuery()
          .select('s.id')
          .from(Session, 's')
          .where('s.revokedAt < :tokenCutoff')
          .getQuery();
        return rows
          .where('row.expiresAt < :tokenCutoff')
          .orWhere(`row.sessionId IN ${revoked}`)
          .setParameter('tokenCutoff', cutoff);
      },
    },
    {
      // Revoked or ended sessions stay SESSIONS_RETENTION, for an admin or an audit to see.
      kind: 'sessions',
      entity: Session,
      where: (rows, now) => {
        const cutoff = before(now, cfg.sessionsRetentionMs);
        return rows
          .where('row.revokedAt < :sessionCutoff')
          .orWhere('row.expiresAt < :sessionCutoff')
          .orWhere('row.createdAt < :startedBefore')
          .setParameters({ sessionCutoff: cutoff, startedBefore: before(cutoff, cfg.sessionMaxAgeMs) });
      },
      dependents: [{ entity: RefreshToken, column: 'sessionId' }],
    },
    {
      // A one-time token is worth nothing once spent, superseded or expired: only its hash is
      // kept, so there is nothing to audit. It goes at the next run.
      kind: 'account_tokens',
      entity: AccountToken,
      where: (rows, now) =>
        rows.where('row.usedAt IS NOT NULL').orWhere('row.expiresAt < :tokenNow', { tokenNow: now }),
    },
    {
      // A delivery record stops a retried mail job from sending twice; once no retry can come,
      // its recipient hash would only let someone confirm an address, so it goes.
      kind: 'mail_deliveries',
      entity: MailDelivery,
      key: 'idempotencyKey',
      where: (rows, now) =>
        rows.where('row.sentAt < :sentBefore', { sentBefore: before(now, cfg.mailDeliveriesRetentionMs) }),
    },
  ];
}
