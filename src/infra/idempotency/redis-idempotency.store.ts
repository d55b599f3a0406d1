import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { decodeReservation, encodeEntry, IdempotencyStore, Reservation } from './idempotency.store';

/** Keys live under `<REDIS_KEY_PREFIX>idempotency:`, apart from the cache and the rate-limit counters. */
export const IDEMPOTENCY_NAMESPACE = 'idempotency:';

/** KEYS[1] entry; ARGV running entry, lock ms. Answers what holds the key, or nil once it is reserved. */
const RESERVE = `
local found = redis.call('GET', KEYS[1])
if found then return found end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** KEYS[1] entry; ARGV our running entry, the done entry, ttl ms. Only the holder's own reservation is replaced. */
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** KEYS[1] entry; ARGV the entry to remove, if the key still holds exactly it. */
const REMOVE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The store shared by every instance: one key per entry, each step one script, so it
 * also runs on a Redis Cluster. The reservation expires with its lock, so a request
 * whose process died frees its key without anyone cleaning up.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(private readonly redis: RedisClient) {}

  async reserve(key: string, fingerprint: string, holder: string, lockMs: number): Promise<Reservation> {
    const running = encodeEntry({ state: 'running', fingerprint, holder });
    const found = (await this.redis.eval(RESERVE, 1, IDEMPOTENCY_NAMESPACE + key, running, lockMs)) as string | null;
    return found === null ? { state: 'reserved' } : decodeReservation(found);
  }

  async complete(key: string, fingerprint: string, holder: string, sealed: string, ttlMs: number): Promise<boolean> {
    const running = encodeEntry({ state: 'running', fingerprint, holder });
    const done = encodeEntry({ state: 'done', fingerprint, sealed });
    return Number(await this.redis.eval(COMPLETE, 1, IDEMPOTENCY_NAMESPACE + key, running, done, ttlMs)) === 1;
  }

  async release(key: string, fingerprint: string, holder: string): Promise<void> {
    const running = encodeEntry({ state: 'running', fingerprint, holder });
    await this.redis.eval(REMOVE, 1, IDEMPOTENCY_NAMESPACE + key, running);
  }

  async discard(key: string, fingerprint: string, sealed: string): Promise<void> {
    const done = encodeEntry({ state: 'done', fingerprint, sealed });
    await this.redis.eval(REMOVE, 1, IDEMPOTENCY_NAMESPACE + key, done);
  }
}
