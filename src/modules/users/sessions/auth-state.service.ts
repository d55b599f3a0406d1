import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import { Repository } from 'typeorm';
import { authConfig, AuthConfig } from '@/config/configuration';
import { CacheAside } from '@/infra/cache/cache-aside';
import { CACHE_FILLS, CacheFills } from '@/infra/cache/cache-fills';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { User, UserRole } from '@/modules/users/entities/user.entity';
import { ProfileEntry, profileKey, ProfileLookup } from '@/modules/users/user-profile.cache';
import { Session } from './entities/session.entity';

/** What the guard needs to know about a token's user; `null` once the user is deleted. */
export type UserState = { active: boolean; role: UserRole; sessionsValidAfter: number } | null;
/** What the guard needs to know about a token's session; `null` when it never existed. */
export type SessionState = { userId: string; createdAt: number; revoked: boolean } | null;

/** Cache entries wrap the state so a cached "gone" (`null`) differs from a miss (`undefined`). */
interface Entry<T> {
  v: T;
}

/**
 * The cache's answers for a token, read before the request may touch the database (see
 * {@link AuthStateService.lookup}): user and session state, and the profile when asked for.
 */
export interface AuthLookup {
  userId: string;
  sessionId: string;
  state: Promise<[Entry<UserState> | undefined, Entry<SessionState> | undefined]>;
  profile?: ProfileLookup;
}

/**
 * A user's entries share the `{userId}` hash tag, so the guard's one read of user and
 * session state (MGET) stays within one hash slot on a Redis Cluster.
 */
const userKey = (userId: string) => `auth:{${userId}}:user`;
const sessionKey = (userId: string, sessionId: string) => `auth:{${userId}}:session:${sessionId}`;
/**
 * Live state is re-read from the database at least this often even if no writer touched
 * it. With Redis every instance sees a writer's entry at once, and a reader's fill never
 * overwrites a writer's tombstone (CacheAside fills with SET NX), so this no longer bounds
 * ordinary revocation; it bounds what the cache cannot rule out: a tombstone write lost to
 * a Redis error, and, without Redis, how long another instance may accept a token revoked
 * elsewhere.
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
    @Inject(CACHE_MANAGER) cache: Cache,
    @Inject(CACHE_FILLS) fills: CacheFills,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    private readonly metrics: AppMetrics,
  ) {
    this.entries = new CacheAside(cache, fills, new Logger(AuthStateService.name));
  }

  /**
   * Starts reading the cache entries a request with this (verified) token needs, in one MGET
   * (all under the user's hash tag, so one slot on a Redis Cluster): user and session state,
   * and with `withProfile` the user's profile. Only the cache: a miss is loaded by
   * {@link check}, once the request has passed its rate limit. Never rejects.
   */
  lookup(userId: string, sessionId: string, withProfile = false): AuthLookup {
    const keys = [userKey(userId), sessionKey(userId, sessionId)];
    if (withProfile) keys.push(profileKey(userId));
    const entries = this.entries.lookupMany<object>(keys);
    return {
      userId,
      sessionId,
      state: entries.then(([user, session]) => [user as Entry<UserState>, session as Entry<SessionState>]),
      profile: withProfile
        ? { userId, entry: entries.then((found) => found[2] as ProfileEntry | undefined) }
        : undefined,
    };
  }

  /**
   * The caller's current role when user and session are valid (and the session within its
   * max age), otherwise `null`. `lookup` is this token's {@link lookup}, when one was started.
   */
  async check(userId: string, sessionId: string, lookup?: AuthLookup): Promise<{ role: UserRole } | null> {
    const early = lookup?.userId === userId && lookup.sessionId === sessionId ? lookup.state : undefined;
    // Both entries in one cache round trip: this runs on every authenticated request.
    const [userEntry, sessionEntry] = await this.entries.readMany<Entry<UserState | SessionState>>(
      [userKey(userId), sessionKey(userId, sessionId)],
      async (index) => ({ v: index === 0 ? await this.loadUser(userId) : await this.loadSession(sessionId) }),
      LIVE_TTL_MS,
      (index, hit) => this.metrics.cacheLookup(index === 0 ? 'user' : 'session', hit),
      early,
    );
    const user = userEntry.v as UserState;
    const session = sessionEntry.v as SessionState;
    if (!user || !user.active || !session || session.revoked) return null;
    if (session.userId !== userId || session.createdAt < user.sessionsValidAfter) return null;
    // Access tokens are issued to end with their session, but one signed under a longer
    // JWT_SESSION_MAX_AGE (before a config change) must not outlive the new limit.
    if (session.createdAt + this.cfg.sessionMaxAgeMs <= Date.now()) return null;
    return { role: user.role };
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
          sessionKey(s.userId, s.id),
          { userId: s.userId, createdAt: s.createdAt.getTime(), revoked: true },
          this.cfg.accessTtlMs,
        ),
      ),
    );
  }

  private async loadUser(id: string): Promise<UserState> {
    const user = await this.users.findOne({
      where: { id },
      select: { id: true, isActive: true, role: true, sessionsValidAfter: true },
    });
    return user ? this.toUserState(user) : null;
  }

  private async loadSession(id: string): Promise<SessionState> {
    const session = await this.sessions.findOne({
      where: { id },
      select: { id: true, userId: true, createdAt: true, revokedAt: true },
    });
    return session
      ? { userId: session.userId, createdAt: session.createdAt.getTime(), revoked: session.revokedAt !== null }
      : null;
  }

  private toUserState(user: Pick<User, 'isActive' | 'role' | 'sessionsValidAfter'>): UserState {
    return { active: user.isActive, role: user.role, sessionsValidAfter: user.sessionsValidAfter.getTime() };
  }

  private write<T>(key: string, value: T, ttlMs: number): Promise<void> {
    return this.entries.write<Entry<T>>(key, { v: value }, ttlMs);
  }
}
