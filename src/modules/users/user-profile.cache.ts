import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CacheAside } from '@/infra/cache/cache-aside';
import { CACHE_FILLS, CacheFills } from '@/infra/cache/cache-fills';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import type { UserResponseDto } from './dto/user-response.dto';
import type { User } from './entities/user.entity';
import { toUserResponse } from './user.mapper';

/**
 * Under the user's `{id}` hash tag, like the auth state (auth-state.service.ts), so the JWT
 * guard can read the profile in the same MGET as the token's state on a Redis Cluster too.
 */
export const profileKey = (id: string) => `users:{${id}}:profile`;
/** Bounds how long a change stays unseen elsewhere when its cache write failed and so did the fallback delete. */
const PROFILE_TTL_MS = 15_000;

/**
 * What a deletion leaves in the profile's place. A plain delete would let a reader whose
 * load began before the deletion committed fill the old profile back in (fills are SET NX),
 * and `GET /users/:id` would show a deleted user until the entry expired.
 */
interface Deleted {
  deleted: true;
}
const DELETED: Deleted = { deleted: true };

export type ProfileEntry = UserResponseDto | Deleted;
const isDeleted = (entry: ProfileEntry): entry is Deleted => 'deleted' in entry && entry.deleted === true;

/** The profile's cache entry as the JWT guard read it ahead of the handler; `undefined` entry = a miss. */
export interface ProfileLookup {
  userId: string;
  entry: Promise<ProfileEntry | undefined>;
}

/**
 * `GET /users/me` is the most frequent authenticated read, and `GET /users/:id` of oneself
 * the next; answering them from the cache spares a database round trip per request. Entries
 * are the built response (plain JSON, so they survive Redis unchanged). Writers call
 * {@link store} after their commit, so an instance that made a change serves it at once;
 * {@link markDeleted} after a deletion.
 */
@Injectable()
export class UserProfileCache {
  private readonly entries: CacheAside;

  constructor(
    @Inject(CACHE_MANAGER) cache: Cache,
    @Inject(CACHE_FILLS) fills: CacheFills,
    private readonly metrics: AppMetrics,
  ) {
    this.entries = new CacheAside(cache, fills, new Logger(UserProfileCache.name));
  }

  /** `lookup`: the entry already read for this request (see {@link ProfileLookup}); used when it is `id`'s. */
  async get(id: string, load: () => Promise<User>, lookup?: ProfileLookup): Promise<UserResponseDto> {
    const entry = await this.entries.read<ProfileEntry>(
      profileKey(id),
      async () => toUserResponse(await load()),
      PROFILE_TTL_MS,
      (hit) => this.metrics.cacheLookup('profile', hit),
      lookup?.userId === id ? lookup.entry : undefined,
    );
    // A deleted user: the database answers (its 404), never a profile from before.
    return isDeleted(entry) ? toUserResponse(await load()) : entry;
  }

  store(user: User): Promise<void> {
    return this.entries.write(profileKey(user.id), toUserResponse(user), PROFILE_TTL_MS);
  }

  /** After a committed deletion. */
  markDeleted(id: string): Promise<void> {
    return this.entries.write(profileKey(id), DELETED, PROFILE_TTL_MS);
  }
}
