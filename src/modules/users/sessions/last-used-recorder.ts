import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { authConfig, AuthConfig } from '@/config/configuration';
import { Session } from './entities/session.entity';

/** A session's `last_used_at` moves at most this often, whichever instances it is used on. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Ids per UPDATE: far below the parameter limits of every driver (SQLite's is 32 766). */
export const LAST_USED_BATCH_SIZE = 500;

/**
 * When each session was last used, without a write on the request path. The token check
 * calls `used()` (a map entry, no I/O); every `SESSIONS_LAST_USED_FLUSH_INTERVAL` the
 * sessions seen since the last flush get one conditional UPDATE per batch:
 * `SET last_used_at = now WHERE id IN (…) AND last_used_at < now - 60 s`. The condition
 * makes the minute hold across the cluster: the instance that flushes first writes the
 * session, the others find nothing to change. So `lastUsedAt` is accurate to about a minute
 * plus the flush interval, which is what a user telling their devices apart needs.
 *
 * The map holds one entry per session used on this instance since the last flush, and only
 * sessions the check found alive, so its size is bounded by real traffic. A failed flush
 * keeps its entries for the next one and logs once per failing streak; it never reaches a
 * request. Shutdown flushes what is left before the pools close (beforeApplicationShutdown
 * runs before TypeORM's onApplicationShutdown).
 */
@Injectable()
export class LastUsedRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LastUsedRecorder.name);
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<number>;
  private failing = false;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  /** Records that a valid token of `sessionId` was just used. */
  used(sessionId: string, at = Date.now()): void {
    const seen = this.pending.get(sessionId);
    if (seen === undefined || seen < at) this.pending.set(sessionId, at);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.cfg.lastUsedFlushIntervalMs).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  /**
   * Writes what was seen since the last flush and resolves to the sessions written. One
   * flush at a time: a timer tick during a slow flush joins it instead of piling up UPDATEs.
   */
  flush(now = Date.now()): Promise<number> {
    this.flushing ??= this.write(now).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(now: number): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = [...this.pending];
    this.pending = new Map();
    const at = new Date(now);
    const staleBefore = new Date(now - LAST_USED_RESOLUTION_MS);
    let written = 0;
    let done = 0;
    try {
      while (done < batch.length) {
        const ids = batch.slice(done, done + LAST_USED_BATCH_SIZE).map(([id]) => id);
        const result = await this.sessions.update(
          { id: In(ids), revokedAt: IsNull(), lastUsedAt: LessThan(staleBefore) },
          { lastUsedAt: at },
        );
        written += result.affected ?? 0;
        done += ids.length;
      }
      this.failing = false;
    } catch (error) {
      // Kept for the next flush; a use recorded meanwhile is newer and wins.
      for (const [id, seen] of batch.slice(done)) this.used(id, seen);
      if (!this.failing) {
        this.logger.warn({ err: error }, 'Could not write when sessions were last used; retrying at the next flush');
      }
      this.failing = true;
    }
    return written;
  }
}
