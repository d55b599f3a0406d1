import type { RedisClient } from './redis-client.factory';

interface Window {
  attempts: number;
  resetAt: number;
}

/** Beyond this many tracked keys, expired windows are swept so a spray of keys cannot grow memory forever. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Check and reserve in one step: when any counter is at its limit (ARGV[i + 1]) answer the
 * longest time left, else INCR every counter (starting its window on the first attempt) and
 * answer 0. Atomic across every instance sharing Redis, so concurrent attempts can never
 * pass more than the limit, however many are in flight.
 */
const RESERVE = `
local wait = 0
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    local left = redis.call('PTTL', KEYS[i])
    if left < 1 then left = 1 end
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return 0`;

/** Clears KEYS[1] when ARGV[1] is '1', and takes one attempt back from every other counter. */
const GIVE_BACK = `
local first = 1
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
  first = 2
end
for i = first, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0`;

/**
 * The client once `defineCommand` has given it both scripts: each call sends the script's
 * SHA (EVALSHA), the text only the first time on a connection. Plain EVAL would send the
 * whole script with every login attempt. The first argument is the number of keys.
 */
interface FixedWindowCommands {
  fixedWindowsReserve(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  fixedWindowsGiveBack(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number>;
}

/**
 * Counters in fixed windows, several checked and counted together: in Redis when the
 * service has it, so every instance shares them (the keys of one call must share a hash
 * slot on Redis Cluster: give them one `{tag}`), else in this process, where check and
 * count are one synchronous step. Redis errors reach the caller, which decides whether to
 * fail open or closed.
 */
export class FixedWindows {
  private readonly windows = new Map<string, Window>();
  private readonly redis: (RedisClient & FixedWindowCommands) | null;

  constructor(
    client: RedisClient | null,
    private readonly windowMs: number,
  ) {
    // Defining the same scripts again (a second FixedWindows on the shared client) is harmless.
    client?.defineCommand('fixedWindowsReserve', { lua: RESERVE });
    client?.defineCommand('fixedWindowsGiveBack', { lua: GIVE_BACK });
    this.redis = client as (RedisClient & FixedWindowCommands) | null;
  }

  /** Counts one attempt on every key, or, when any is at its limit, counts nothing and answers the ms to wait. */
  async reserve(keys: string[], limits: number[], now = Date.now()): Promise<number> {
    if (!this.redis) return this.reserveInProcess(keys, limits, now);
    return Number(await this.redis.fixedWindowsReserve(keys.length, ...keys, this.windowMs, ...limits));
  }

  /** Takes one attempt back from every key; with `clearFirst`, the first key is reset instead. */
  async giveBack(keys: string[], clearFirst: boolean): Promise<void> {
    if (this.redis) {
      await this.redis.fixedWindowsGiveBack(keys.length, ...keys, clearFirst ? '1' : '0');
      return;
    }
    keys.forEach((key, i) => {
      const window = this.windows.get(key);
      if (i === 0 && clearFirst) this.windows.delete(key);
      else if (window && window.attempts > 0) window.attempts -= 1;
    });
  }

  private reserveInProcess(keys: string[], limits: number[], now: number): number {
    const windows = keys.map((key) => this.live(key, now));
    const waitMs = Math.max(...windows.map((w, i) => (w && w.attempts >= limits[i] ? w.resetAt - now : 0)));
    if (waitMs > 0) return waitMs;
    keys.forEach((key, i) => {
      const window = windows[i];
      if (window) window.attempts += 1;
      else this.windows.set(key, { attempts: 1, resetAt: now + this.windowMs });
    });
    if (this.windows.size > SWEEP_THRESHOLD) this.sweep(now);
    return 0;
  }

  private live(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
