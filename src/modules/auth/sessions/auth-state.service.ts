import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import { Repository } from 'typeorm';
import { authConfig, AuthConfig } from '@/config/configuration';
import { CacheAside } from '@/infra/cache/cache-aside';
import { AppMetrics } from '@/modules/metrics/app-metrics.service';
import { User, UserRole } from '@/modules/users/entities/user.entity';
import { Session } from '../entities/session.entity';

/** What the guard needs to know about a token's user; `null` once the user is deleted. */
export type UserState = { active: boolean; role: UserRole; sessionsValidAfter: number } | null;
/** What the guard needs to know about a token's session; `null` when it never existed. */
export type SessionState = { userId: string; createdAt: number; revoked: boolean } | null;

/** Cache entries wrap the state so a cached "gone" (`null`) differs from a miss (`undefined`). */
interface Entry<T> {
  v: T;
}

const userKey = (id: string) => `auth:user:${id}`;
const sessionKey = (id: string) => `auth:session:${id}`;
/**
 * Live state is re-read from the database at least this often even if no writer touched
 * it. With Redis every instance sees a writer's entry at once, so this no longer bounds
 * ordinary revocation; it bounds the rare cases the cache cannot rule out: a reader whose
 * fill lands in the instant after a writer's tombstone (the fill is a plain SET, re-checked
 * just before, not SET NX), a tombstone write lost to a Redis error, and, without Redis,
 * how long another instance may accept a token revoked elsewhere.
 */
const LIVE_TTL_MS = 15_000;

/**
 * Answers, per request, "is this token's user still there and active, and is its session
 * still alive?". Reads are cache-aside through CACHE_MANAGER; the database stays the
 * source of truth: a miss, a flushed cache or a failing cache falls through to it, so no
 * cache event can bring a revoked token back. Writers call the `*Changed`/`*Revoked`
 * methods after their commit to overwrite the entry with the new state (a tombstone for
 * revocations) instead of deleting it, so a slower reader cannot re-fill a stale value.
 */
@Injectable()
export class AuthStateService {
  private readonly entries: CacheAside;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    private readonly metrics: AppMetrics,
  ) {
    this.entries = new CacheAside(cache, new Logger(AuthStateService.name));
  }

  /** The caller's current role when user and session are valid, otherwise `null`. */
  async check(userId: string, sessionId: string): Promise<{ role: UserRole } | null> {
    const [user, session] = await Promise.all([this.userState(userId), this.sessionState(sessionId)]);
    if (!user || !user.active || !session || session.revoked) return null;
    if (session.userId !== userId || session.createdAt < user.sessionsValidAfter) return null;
    return { role: user.role };
  }

  userState(id: string): Promise<UserState> {
    return this.readThrough('user', userKey(id), async () => {
      const user = await this.users.findOne({
        where: { id },
        select: { id: true, isActive: true, role: true, sessionsValidAfter: true },
      });
      return user ? this.toUserState(user) : null;
    });
  }

  sessionState(id: string): Promise<SessionState> {
    return this.readThrough('session', sessionKey(id), async () => {
      const session = await this.sessions.findOne({
        where: { id },
        select: { id: true, userId: true, createdAt: true, revokedAt: true },
      });
      return session
        ? { userId: session.userId, createdAt: session.createdAt.getTime(), revoked: session.revokedAt !== null }
        : null;
    });
  }

  /** After a committed change to a user (role, activation, sessionsValidAfter). */
  async userChanged(user: Pick<User, 'id' | 'isActive' | 'role' | 'sessionsValidAfter'>): Promise<void> {
    await this.write(userKey(user.id), this.toUserState(user), LIVE_TTL_MS);
  }

  /** After a committed deletion: a tombstone that outlives every access token issued before it. */
  async userDeleted(id: string): Promise<void> {
    await this.write(userKey(id), null, this.cfg.accessTtlMs);
  }

  /** After committed revocations: tombstones that outlive every access token of those sessions. */
  async sessionsRevoked(revoked: Array<Pick<Session, 'id' | 'userId' | 'createdAt'>>): Promise<void> {
    await Promise.all(
      revoked.map((s) =>
        this.write(
          sessionKey(s.id),
          { userId: s.userId, createdAt: s.createdAt.getTime(), revoked: true },
          this.cfg.accessTtlMs,
        ),
      ),
    );
  }

  private toUserState(user: Pick<User, 'isActive' | 'role' | 'sessionsValidAfter'>): UserState {
    return { active: user.isActive, role: user.role, sessionsValidAfter: user.sessionsValidAfter.getTime() };
  }

  private async readThrough<T>(cacheName: string, key: string, load: () => Promise<T>): Promise<T> {
    const entry = await this.entries.read<Entry<T>>(
      key,
      async () => ({ v: await load() }),
      LIVE_TTL_MS,
      (hit) => this.metrics.cacheLookup(cacheName, hit),
    );
    return entry.v;
  }

  private write<T>(key: string, value: T, ttlMs: number): Promise<void> {
    return this.entries.write<Entry<T>>(key, { v: value }, ttlMs);
  }
}
