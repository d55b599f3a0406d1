import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Options } from '@node-rs/argon2';
import { authConfig, AuthConfig } from '@/config/configuration';
import { HashThreadPool } from './hash-thread-pool';
import type { HashReply } from './hash.worker';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first option: 19 MiB, t=2, p=1.
 * `algorithm: 2` is Algorithm.Argon2id, a const enum the compiler cannot inline per file.
 */
export const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

/** Nice value of the hashing threads when none is configured. */
export const DEFAULT_HASH_NICE = 10;

/** Hashes that may wait for a thread when none is configured (PASSWORD_HASH_QUEUE_MAX). */
export const DEFAULT_HASH_QUEUE_MAX = 32;

/**
 * Hashes and verifies passwords. Each argon2 run takes a core for tens of milliseconds, so
 * runs are bounded (PASSWORD_HASH_CONCURRENCY, default cores - 1), and they run on worker
 * threads at a lower CPU priority (PASSWORD_HASH_NICE): under a burst of logins the kernel
 * still hands a core to the event loop and the database first, so unrelated requests and
 * health probes keep their latency while logins queue. The queue is bounded too
 * (PASSWORD_HASH_QUEUE_MAX): past it, hash and verify reject with HashingBusyError (503
 * with Retry-After), so a burst cannot push every other login seconds back.
 */
@Injectable()
export class PasswordHasher implements OnApplicationShutdown {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly pool: HashThreadPool;
  private dummyHash?: Promise<string>;

  constructor(
    @Optional()
    @Inject(authConfig.KEY)
    cfg?: Partial<Pick<AuthConfig, 'hashConcurrency' | 'hashNice' | 'hashQueueMax'>>,
  ) {
    let nice = cfg?.hashNice ?? DEFAULT_HASH_NICE;
    // Elsewhere the call changes the whole process's priority, the event loop's included.
    if (nice > 0 && process.platform !== 'linux') {
      this.logger.warn(`PASSWORD_HASH_NICE is applied on Linux only; hashing runs at normal priority`);
      nice = 0;
    }
    this.pool = new HashThreadPool({
      size: cfg?.hashConcurrency ?? Math.max(1, availableParallelism() - 1),
      queueMax: cfg?.hashQueueMax ?? DEFAULT_HASH_QUEUE_MAX,
      nice,
      argon2Options: ARGON2_OPTIONS,
      onNiceFailed: (reason) =>
        this.logger.warn(
          `Could not lower the priority of password hashing threads (${reason}); running them at normal priority`,
        ),
    });
  }

  async hash(password: string): Promise<string> {
    const reply = await this.pool.run({ op: 'hash', password });
    if ('error' in reply) throw new Error(`argon2 hash failed: ${reply.error}`);
    return String(reply.value);
  }

  /**
   * False for a mismatch and for a malformed hash alike: a corrupt row must not become a 500
   * on login. A hashing thread that dies mid-request rejects instead: that is a fault of this
   * instance, and answering "wrong password" would count a failed login against the account.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    const reply: HashReply = await this.pool.run({ op: 'verify', hash, password });
    return 'value' in reply && reply.value === true;
  }

  /**
   * Spends one verification against a throw-away hash with the same parameters, so a login
   * for an unknown email costs what a wrong password costs and timing reveals no account.
   */
  async verifyDummy(password: string): Promise<void> {
    // A failed attempt is not kept, so one lost thread does not fail every later unknown-email login.
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex')).catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    await this.verify(await this.dummyHash, password);
  }

  /** After the HTTP server has drained, so logins still in flight get their answer. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}
