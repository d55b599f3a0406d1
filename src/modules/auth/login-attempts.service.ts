import { Inject, Injectable } from '@nestjs/common';
import { authConfig, AuthConfig } from '@/config/configuration';

interface Window {
  failures: number;
  resetAt: number;
}

/** Beyond this many tracked keys, expired windows are swept so a spray of addresses cannot grow memory forever. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Counts failed logins per account (lower-cased email) and per client (req.ip, which
 * honours TRUST_PROXY) in fixed windows of LOGIN_FAILURE_WINDOW. Separate from the global
 * request budget: it slows password guessing even when each guess is a cheap request.
 * In-process for now; the async interface is what a shared (Redis) store needs.
 */
@Injectable()
export class LoginAttemptsService {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  /** How long (ms) this account or client must wait before trying again; 0 when allowed. */
  async blockedForMs(email: string | undefined, client: string, now = Date.now()): Promise<number> {
    const account = email ? this.live(`account:${email}`, now) : undefined;
    const byClient = this.live(`client:${client}`, now);
    const waits = [
      account && account.failures >= this.cfg.loginMaxFailuresPerAccount ? account.resetAt - now : 0,
      byClient && byClient.failures >= this.cfg.loginMaxFailuresPerClient ? byClient.resetAt - now : 0,
    ];
    return Math.max(...waits);
  }

  async recordFailure(email: string, client: string, now = Date.now()): Promise<void> {
    this.bump(`account:${email}`, now);
    this.bump(`client:${client}`, now);
    if (this.windows.size > SWEEP_THRESHOLD) this.sweep(now);
  }

  /** A successful login clears the account's count (not the client's: one good password must not unlock a spray). */
  async recordSuccess(email: string): Promise<void> {
    this.windows.delete(`account:${email}`);
  }

  private live(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private bump(key: string, now: number): void {
    const window = this.live(key, now);
    if (window) window.failures += 1;
    else this.windows.set(key, { failures: 1, resetAt: now + this.cfg.loginFailureWindowMs });
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
