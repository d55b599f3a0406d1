import { Inject, Injectable, Optional } from '@nestjs/common';
import * as argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConcurrencyLimit } from '@/common/concurrency/concurrency-limit';
import { authConfig, AuthConfig } from '@/config/configuration';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first option: 19 MiB, t=2, p=1.
 * argon2's native binding hashes on the libuv thread pool, so the event loop stays free.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashes and verifies passwords. Each argon2 run takes a core for tens of milliseconds, so
 * runs are bounded (PASSWORD_HASH_CONCURRENCY, default cores - 1): a burst of logins queues
 * here instead of taking every core from the event loop and stalling unrelated requests.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;
  private readonly slots: ConcurrencyLimit;

  constructor(@Optional() @Inject(authConfig.KEY) cfg?: Pick<AuthConfig, 'hashConcurrency'>) {
    this.slots = new ConcurrencyLimit(cfg?.hashConcurrency ?? Math.max(1, availableParallelism() - 1));
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** False for a mismatch and for a malformed hash alike: a corrupt row must not become a 500 on login. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /**
   * Spends one verification against a throw-away hash with the same parameters, so a login
   * for an unknown email costs what a wrong password costs and timing reveals no account.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(await this.dummyHash, password);
  }
}
