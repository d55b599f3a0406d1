import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  /** When the hit counter expires (epoch ms). */
  windowEnds: number;
  /** When the block expires (epoch ms); 0 or past: not blocked. */
  blockEnds: number;
}

/** How often, at most, windows that ended are swept: each sweep is one pass over the map. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * The request budget of a single instance, counted in this process with the same rules as
 * RedisThrottlerStorage's script: a fixed window that starts with a client's first hit,
 * and once the count passes the limit a block for the block duration. One instance with
 * Redis and one without therefore answer a client the same.
 *
 * O(1) per hit. The stock in-process storage of @nestjs/throttler keeps one expiry per hit
 * and filters that list on every hit, so with a raised `THROTTLE_LIMIT` a request cost time
 * and memory in proportion to the client's hits in the last `THROTTLE_TTL`.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    this.nextSweep = now() + SWEEP_INTERVAL_MS;
  }

  /** How many clients' windows or blocks are held. */
  get size(): number {
    return this.windows.size;
  }

  // Promise-returning, as the interface wants; nothing in it waits.
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    const id = `${key}:${throttlerName}`;
    let window = this.windows.get(id);
    if (window === undefined) {
      window = { hits: 0, windowEnds: now + ttl, blockEnds: 0 };
      this.windows.set(id, window);
    } else if (window.windowEnds <= now) {
      window.hits = 0;
      window.windowEnds = now + ttl;
    }
    window.hits += 1;
    const timeToExpire = Math.ceil((window.windowEnds - now) / 1000);
    if (window.blockEnds > now) {
      return answer(window.hits, timeToExpire, true, Math.ceil((window.blockEnds - now) / 1000));
    }
    if (window.hits > limit) {
      // Without a block the client is refused until the window ends, and told so.
      if (blockDuration <= 0) return answer(window.hits, timeToExpire, true, timeToExpire);
      window.blockEnds = now + blockDuration;
      return answer(window.hits, timeToExpire, true, Math.ceil(blockDuration / 1000));
    }
    return answer(window.hits, timeToExpire, false, 0);
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      if (window.windowEnds <= now && window.blockEnds <= now) this.windows.delete(id);
    }
    this.nextSweep = now + SWEEP_INTERVAL_MS;
  }
}

const answer = (
  totalHits: number,
  timeToExpire: number,
  isBlocked: boolean,
  timeToBlockExpire: number,
): Promise<ThrottlerStorageRecord> => Promise.resolve({ totalHits, timeToExpire, isBlocked, timeToBlockExpire });
