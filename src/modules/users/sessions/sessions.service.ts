import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere, In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { authConfig, AuthConfig } from '@/config/configuration';
import { NotFoundProblem, UnauthorizedProblem } from '@/common/http/problem';
import { atomically } from '@/infra/database/atomically';
import { audit } from '@/infra/logging/audit-log';
import { AppMetrics, RevocationReason } from '@/infra/metrics/app-metrics';
import { AccountChanges } from '../account-changes';
import { User } from '../entities/user.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';

/** A refresh token as handed to the client: 256 random bits, opaque to everyone but us. */
export interface IssuedRefresh {
  sessionId: string;
  refreshToken: string;
  /** The session's absolute end (`JWT_SESSION_MAX_AGE` after login): no token of it may outlive this. */
  sessionEndsAt: Date;
}

/** Where a login came from, as the request showed it; shown to the user in their session list. */
export interface SessionClient {
  userAgent: string | null;
  ip: string | null;
}

export interface Rotated extends IssuedRefresh {
  user: Pick<User, 'id' | 'role'>;
}

/** Sessions revoked inside a caller's transaction, to {@link SessionsService.announce} once it has committed. */
export interface Revocation {
  sessions: Array<Pick<Session, 'id' | 'userId' | 'createdAt'>>;
  reason: RevocationReason;
  count: number;
}

const INVALID_REFRESH = () =>
  new UnauthorizedProblem('The refresh token is invalid, expired or revoked.', 'invalid_refresh_token');

/** At most this many sessions are listed, newest first. */
export const SESSIONS_LISTED = 100;
/** Why a presented refresh token was refused, for the audit log (the client is told none of it). */
const refusalOf = (row: RefreshToken | null, now: Date): string => {
  if (!row?.session?.user) return 'unknown_token';
  return row.session.revokedAt !== null ? 'revoked' : row.expiresAt <= now ? 'expired' : 'unknown_token';
};

/**
 * Login sessions (token families) and their single-use refresh tokens. Everything that
 * ends a session goes through here, so the database row, the cache tombstone and the
 * revocation metric always move together.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly changes: AccountChanges,
    private readonly metrics: AppMetrics,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  /** Opens a session for a successful login and issues its first refresh token. */
  async start(userId: string, client: SessionClient): Promise<IssuedRefresh> {
    const now = new Date();
    const sessionEndsAt = this.endOf(now);
    const session = this.sessions.create({
      id: randomUUID(),
      userId,
      createdAt: now,
      expiresAt: this.refreshExpiry(now, sessionEndsAt),
      revokedAt: null,
      revokeReason: null,
      userAgent: client.userAgent,
      ip: client.ip,
      lastUsedAt: now,
    });
    const refreshToken = this.newToken();
    // Together or not at all: a session without its refresh token could never be refreshed or listed right.
    await atomically(this.sessions.manager, async (m) => {
      await m.insert(Session, session);
      await m.insert(RefreshToken, this.tokenRow(session.id, refreshToken, now, sessionEndsAt));
    });
    return { sessionId: session.id, refreshToken, sessionEndsAt };
  }

  /**
   * Spends a refresh token and issues its successor in the same session. Spending is one
   * conditional UPDATE (`used_at IS NULL`), so of two concurrent calls exactly one wins;
   * a token that is already spent means it leaked or raced, and the whole family dies.
   * Each rotation slides the session's expiry, but never past its absolute end: a session
   * older than `JWT_SESSION_MAX_AGE` is refused like an expired token, however active.
   */
  async rotate(presented: string): Promise<Rotated> {
    const row = await this.tokens.findOne({
      where: { tokenHash: this.hashOf(presented) },
      relations: { session: { user: true } },
    });
    const session = row?.session;
    const user = session?.user;
    const now = new Date();
    if (!row || !session || !user || session.revokedAt !== null || row.expiresAt <= now) {
      audit('auth.refresh.failed', { userId: user?.id, sessionId: session?.id, reason: refusalOf(row, now) });
      throw INVALID_REFRESH();
    }
    const sessionEndsAt = this.endOf(session.createdAt);
    // Within its last second a session could only issue an access token that is already expired.
    if (sessionEndsAt.getTime() - now.getTime() < 1_000) {
      audit('auth.refresh.failed', { userId: user.id, sessionId: session.id, reason: 'session_ended' });
      throw INVALID_REFRESH();
    }

    if (row.usedAt !== null) return this.reuseDetected(session);
    // The spend, its successor and the session's new expiry commit together: a crash between
    // them would leave a live session whose only token is spent. The conditional UPDATE still
    // decides between concurrent rotations (the loser waits for the winner's commit, then
    // matches nothing); the reuse revocation runs after, outside the transaction.
    const replacement = this.newToken();
    const rotated = await atomically(this.tokens.manager, async (m) => {
      const spent = await m.update(RefreshToken, { id: row.id, usedAt: IsNull() }, { usedAt: now });
      if (spent.affected !== 1) return false;
      await m.insert(RefreshToken, this.tokenRow(session.id, replacement, now, sessionEndsAt));
      // The row is written anyway: its last use moves with it, at no extra cost.
      await m.update(
        Session,
        { id: session.id },
        { expiresAt: this.refreshExpiry(now, sessionEndsAt), lastUsedAt: now },
      );
      return true;
    });
    if (!rotated) return this.reuseDetected(session);

    if (!user.isActive || session.createdAt < user.sessionsValidAfter) {
      audit('auth.refresh.failed', { userId: user.id, sessionId: session.id, reason: 'inactive' });
      await this.revoke(session.id, 'deactivation');
      throw INVALID_REFRESH();
    }
    return { sessionId: session.id, refreshToken: replacement, sessionEndsAt, user: { id: user.id, role: user.role } };
  }

  /** The session a refresh token belongs to, if the token is known (used or not). */
  async sessionOfRefreshToken(presented: string): Promise<Pick<Session, 'id' | 'userId'> | null> {
    const row = await this.tokens.findOne({
      where: { tokenHash: this.hashOf(presented) },
      relations: { session: true },
    });
    return row?.session ? { id: row.session.id, userId: row.session.userId } : null;
  }

  /**
   * A user's live sessions (neither revoked nor expired), newest first. A session's expiry
   * never passes its absolute end (`refreshExpiry`), so `expires_at` alone decides.
   */
  /** The newest {@link SESSIONS_LISTED} live sessions of the user: an answer of bounded size. */
  async listLive(userId: string): Promise<Session[]> {
    return this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: SESSIONS_LISTED,
    });
  }

  /**
   * Revokes one of the user's own live sessions, the current one included (like a logout).
   * Someone else's id, an unknown one and an ended session all answer the same 404, so
   * session ids cannot be probed.
   */
  async revokeOwn(userId: string, sessionId: string): Promise<void> {
    const revoked = await this.revokeWhere(
      { id: sessionId, userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      'user_revoked',
    );
    if (revoked === 0) throw new NotFoundProblem('No such session.');
  }

  /** Revokes one session; its access tokens (by `sid`) and refresh tokens stop working. */
  async revoke(sessionId: string, reason: RevocationReason): Promise<number> {
    return this.revokeWhere({ id: sessionId, revokedAt: IsNull() }, reason);
  }

  /** Revokes every live session of a user, or every one but `keepSessionId` (password change). */
  async revokeAllForUser(userId: string, reason: RevocationReason, keepSessionId?: string): Promise<number> {
    return this.revokeWhere(
      { userId, revokedAt: IsNull(), ...(keepSessionId ? { id: Not(keepSessionId) } : {}) },
      reason,
    );
  }

  /**
   * Revokes every live session of a user (or all but `keepSessionId`) through `m`, as part
   * of the caller's transaction; nothing else is told until the caller passes the answer
   * to {@link announce} after its commit.
   */
  revokeAllForUserIn(
    m: EntityManager,
    userId: string,
    reason: RevocationReason,
    keepSessionId?: string,
  ): Promise<Revocation> {
    return this.revokeIn(
      m,
      { userId, revokedAt: IsNull(), ...(keepSessionId ? { id: Not(keepSessionId) } : {}) },
      reason,
    );
  }

  /** Tells every node's cached auth state, the metrics and the audit log about committed revocations. */
  async announce({ sessions, reason, count }: Revocation): Promise<number> {
    if (sessions.length === 0) return 0;
    await this.changes.sessionsRevoked(sessions);
    this.metrics.sessionsRevoked(reason, count);
    audit('auth.sessions.revoked', { userId: sessions[0].userId, reason, count });
    return count;
  }

  private async revokeWhere(where: FindOptionsWhere<Session>, reason: RevocationReason): Promise<number> {
    return this.announce(await this.revokeIn(this.sessions.manager, where, reason));
  }

  private async revokeIn(
    m: EntityManager,
    where: FindOptionsWhere<Session>,
    reason: RevocationReason,
  ): Promise<Revocation> {
    const live = await m.find(Session, { where, select: { id: true, userId: true, createdAt: true } });
    if (live.length === 0) return { sessions: [], reason, count: 0 };
    const result = await m.update(
      Session,
      { id: In(live.map((s) => s.id)), revokedAt: IsNull() },
      { revokedAt: new Date(), revokeReason: reason },
    );
    return { sessions: live, reason, count: result.affected ?? live.length };
  }

  private async reuseDetected(session: Session): Promise<never> {
    audit('auth.refresh.reused', { userId: session.userId, sessionId: session.id });
    await this.revoke(session.id, 'refresh_reuse');
    throw INVALID_REFRESH();
  }

  private tokenRow(sessionId: string, token: string, now: Date, sessionEndsAt: Date): RefreshToken {
    return this.tokens.create({
      id: randomUUID(),
      sessionId,
      tokenHash: this.hashOf(token),
      expiresAt: this.refreshExpiry(now, sessionEndsAt),
      usedAt: null,
    });
  }

  private newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  /** Keyed hash: the table alone (a backup, a read replica) cannot be used to mint or check tokens. */
  private hashOf(token: string): string {
    return createHmac('sha256', this.cfg.refreshSecret).update(token).digest('hex');
  }

  /** A refresh token lives `JWT_REFRESH_TTL`, but never past the end of its session. */
  private refreshExpiry(now: Date, sessionEndsAt: Date): Date {
    return new Date(Math.min(now.getTime() + this.cfg.refreshTtlMs, sessionEndsAt.getTime()));
  }

  private endOf(sessionCreatedAt: Date): Date {
    return new Date(sessionCreatedAt.getTime() + this.cfg.sessionMaxAgeMs);
  }
}
