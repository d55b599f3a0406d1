import type { Logger } from '@nestjs/common';

/** Retry-After of a request refused because Redis cannot be reached: about one reconnect of the client. */
export const REDIS_RETRY_AFTER_S = 2;

/** At most one warning per interval while Redis keeps failing. */
const WARN_INTERVAL_MS = 10_000;

/**
 * Logs a Redis failure at most once per interval: an outage must not turn every request
 * into a log line (the storage-error counter still counts each one).
 */
export class RedisOutageWarning {
  private last = 0;

  constructor(private readonly logger: Logger) {}

  warn(error: unknown, message: string, now = Date.now()): void {
    if (now - this.last < WARN_INTERVAL_MS) return;
    this.last = now;
    this.logger.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, message);
  }
}
