import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { AppMetrics } from '@/modules/metrics/app-metrics.service';
import type { UserResponseDto } from './dto/user-response.dto';
import type { User } from './entities/user.entity';
import { toUserResponse } from './user.mapper';

const profileKey = (id: string) => `users:profile:${id}`;
/** Bounds how long another instance may show a changed name or role if a write raced a read there. */
const PROFILE_TTL_MS = 15_000;

/**
 * `GET /users/me` is the most frequent authenticated read; answering it from the cache
 * spares a database round trip per request. Entries are the built response (plain JSON,
 * so they survive Redis unchanged). Writers call {@link store} after their commit, so an
 * instance that made a change serves it at once; {@link drop} after a deletion.
 */
@Injectable()
export class UserProfileCache {
  private readonly logger = new Logger(UserProfileCache.name);

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly metrics: AppMetrics,
  ) {}

  async get(id: string, load: () => Promise<User>): Promise<UserResponseDto> {
    const cached = await this.cache.get<UserResponseDto>(profileKey(id)).catch(() => undefined);
    this.metrics.cacheLookup('profile', cached != null);
    if (cached != null) return cached;
    const profile = toUserResponse(await load());
    // A writer that committed meanwhile has left the fresher value: keep it.
    if ((await this.cache.get(profileKey(id)).catch(() => undefined)) == null) await this.write(id, profile);
    return profile;
  }

  async store(user: User): Promise<void> {
    await this.write(user.id, toUserResponse(user));
  }

  async drop(id: string): Promise<void> {
    await this.cache.del(profileKey(id)).catch((error: unknown) => {
      this.logger.warn({ err: error, id }, 'Cache delete failed; the entry expires on its own');
    });
  }

  private async write(id: string, profile: UserResponseDto): Promise<void> {
    try {
      await this.cache.set(profileKey(id), profile, PROFILE_TTL_MS);
    } catch (error) {
      this.logger.warn({ err: error, id }, 'Cache write failed; dropping the entry so readers use the database');
      await this.cache.del(profileKey(id)).catch(() => undefined);
    }
  }
}
