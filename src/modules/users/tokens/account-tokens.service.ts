import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { accountsConfig, AccountsConfig } from '@/config/configuration';
import { ProblemException } from '@/common/http/problem';
import { AccountToken, TokenPurpose } from './entities/account-token.entity';

/** 400 for a link that cannot be used: unknown, expired, spent, superseded or of another purpose, all alike. */
export class InvalidTokenProblem extends ProblemException {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'invalid_token', 'The link is invalid, expired or already used; ask for a new one.');
  }
}

/** What a token is issued with. */
export interface TokenOptions {
  ttlMs: number;
  /** The address the link proves: the new address of an email change. */
  email?: string;
}

/** A token as it is mailed: 256 random bits, base64url (letters, digits, `-`, `_`), 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The single-use tokens of account mails (docs/security.md, One-time tokens). A token is
 * random, stored only as an HMAC of `<purpose>:<value>` under a key derived from
 * JWT_REFRESH_SECRET (so a token of one purpose hashes to nothing under another, and a
 * copy of the table mints nothing), expires, and is spent by its first successful use.
 * Issuing one supersedes the live tokens of the same user and purpose: only the newest
 * link of each kind works.
 */
@Injectable()
export class AccountTokens {
  private readonly key: Buffer;

  constructor(
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    @Inject(accountsConfig.KEY) cfg: AccountsConfig,
  ) {
    this.key = createHmac('sha256', cfg.tokenSecret).update('account-tokens').digest();
  }

  /** Issues a token for `userId` and answers its value, the only time it exists in the clear. */
  async issue(userId: string, purpose: TokenPurpose, options: TokenOptions, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.supersede(userId, purpose, now);
    await this.tokens.insert({
      id: randomUUID(),
      userId,
      purpose,
      tokenHash: this.hashOf(purpose, token),
      email: options.email ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + options.ttlMs),
      usedAt: null,
    });
    return token;
  }

  /**
   * The live token `token` of `purpose`, without spending it: for checks that must come
   * before the use (whose budget it counts against). Null when it could not be consumed now.
   */
  async peek(token: string, purpose: TokenPurpose, now = new Date()): Promise<AccountToken | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    return this.tokens.findOneBy({
      tokenHash: this.hashOf(purpose, token),
      purpose,
      usedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
  }

  /**
   * Spends `token` for `purpose` and answers its row, or throws InvalidTokenProblem. One
   * conditional UPDATE decides: of concurrent uses of one token, on any number of
   * instances, exactly one is answered the row. Given a transaction's `manager`, the spend
   * commits with whatever the link was spent on.
   */
  async consume(
    token: string,
    purpose: TokenPurpose,
    now = new Date(),
    manager: EntityManager = this.tokens.manager,
  ): Promise<AccountToken> {
    if (!TOKEN_SHAPE.test(token)) throw new InvalidTokenProblem();
    const tokenHash = this.hashOf(purpose, token);
    const spent = await manager.update(
      AccountToken,
      { tokenHash, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    if (spent.affected !== 1) throw new InvalidTokenProblem();
    const row = await manager.findOneBy(AccountToken, { tokenHash });
    if (!row) throw new InvalidTokenProblem();
    return row;
  }

  /** Ends every live token of `userId` (of one purpose, or all): a reset or a new address makes earlier links moot. */
  async supersede(
    userId: string,
    purpose?: TokenPurpose,
    now = new Date(),
    manager: EntityManager = this.tokens.manager,
  ): Promise<void> {
    await manager.update(AccountToken, { userId, ...(purpose ? { purpose } : {}), usedAt: IsNull() }, { usedAt: now });
  }

  private hashOf(purpose: TokenPurpose, token: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${token}`).digest('hex');
  }
}
