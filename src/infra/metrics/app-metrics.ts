import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

export type LoginFailureReason = 'bad_credentials' | 'locked_out';
export type RevocationReason =
  | 'logout'
  | 'refresh_reuse'
  | 'password_change'
  | 'password_reset'
  | 'deactivation'
  | 'deletion'
  | 'user_revoked'
  | 'user_revoked_others';
/** The account mails, by what they are for (`app_auth_emails_total{kind}`). */
export const ACCOUNT_MAIL_KINDS = [
  'verification',
  'password_reset',
  'email_change',
  'email_change_notice',
  'invitation',
] as const;
export type AccountMailKind = (typeof ACCOUNT_MAIL_KINDS)[number];
/** How a presented verification or reset link ended. */
export const TOKEN_OUTCOMES = ['success', 'invalid_token'] as const;
export type TokenOutcome = (typeof TOKEN_OUTCOMES)[number];
/** Why a request with an Idempotency-Key was refused (`app_idempotency_rejections_total{reason}`). */
export const IDEMPOTENCY_REJECTIONS = ['key_reused', 'in_progress', 'store_unavailable'] as const;
export type IdempotencyRejection = (typeof IDEMPOTENCY_REJECTIONS)[number];
export type Limiter =
  'global' | 'login' | 'register' | 'password_forgot' | 'email_resend' | 'password_reset' | 'email_change';

/**
 * Business and infrastructure counters that services record into. A small injectable,
 * so services say what happened (`loginFailed`) and never deal with label plumbing.
 * Infrastructure (the Redis throttler storage) and shared guards record here as well as
 * features do, so it lives in infra, below all of them.
 */
@Injectable()
export class AppMetrics {
  private readonly logins: Counter<'result'>;
  private readonly revoked: Counter<'reason'>;
  private readonly rateLimited: Counter<'limiter'>;
  private readonly cache: Counter<'cache' | 'result'>;
  /** Bound children per cache and result: the per-request lookup allocates no label object and hashes no labels. */
  private readonly cacheChildren = new Map<string, { hit: Counter.Internal; miss: Counter.Internal }>();
  private readonly limiterErrors: Counter;
  private readonly accountMails: Counter<'kind'>;
  private readonly verifications: Counter<'outcome'>;
  private readonly resets: Counter<'outcome'>;
  private readonly replays: Counter;
  private readonly idempotencyRejections: Counter<'reason'>;

  constructor(registry: Registry) {
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter({ name, help, labelNames, registers: [registry] });
    this.logins = counter('auth_logins_total', 'Login attempts by result', ['result'] as const);
    this.revoked = counter('auth_tokens_revoked_total', 'Sessions (token families) revoked, by reason', [
      'reason',
    ] as const);
    this.rateLimited = counter('rate_limit_rejections_total', 'Requests refused with 429, by limiter', [
      'limiter',
    ] as const);
    this.cache = counter('cache_requests_total', 'Cache lookups by cache and result', ['cache', 'result'] as const);
    this.limiterErrors = counter(
      'rate_limit_storage_errors_total',
      'Rate-limit checks that could not reach their storage (answered per the fail-open/closed policy)',
      [] as const,
    );
    this.accountMails = counter('app_auth_emails_total', 'Account mails handed to the mail server, by kind', [
      'kind',
    ] as const);
    this.verifications = counter(
      'app_auth_email_verifications_total',
      'Email verification links presented (address verified or change applied), by outcome',
      ['outcome'] as const,
    );
    this.resets = counter('app_auth_password_resets_total', 'Password reset links presented, by outcome', [
      'outcome',
    ] as const);
    this.replays = counter(
      'app_idempotency_replays_total',
      'Requests with an Idempotency-Key answered with the stored answer of an earlier one',
      [] as const,
    );
    this.idempotencyRejections = counter(
      'app_idempotency_rejections_total',
      'Requests with an Idempotency-Key refused (422 key reused, 409 in progress, 503 store unavailable), by reason',
      ['reason'] as const,
    );
    for (const reason of IDEMPOTENCY_REJECTIONS) this.idempotencyRejections.inc({ reason }, 0);
    // Every series exists from the start, so a rate over them is defined before the first event.
    for (const kind of ACCOUNT_MAIL_KINDS) this.accountMails.inc({ kind }, 0);
    for (const outcome of TOKEN_OUTCOMES) {
      this.verifications.inc({ outcome }, 0);
      this.resets.inc({ outcome }, 0);
    }
  }

  accountMailSent(kind: AccountMailKind): void {
    this.accountMails.inc({ kind });
  }

  emailVerification(outcome: TokenOutcome): void {
    this.verifications.inc({ outcome });
  }

  passwordReset(outcome: TokenOutcome): void {
    this.resets.inc({ outcome });
  }

  idempotentReplay(): void {
    this.replays.inc();
  }

  idempotencyRejected(reason: IdempotencyRejection): void {
    this.idempotencyRejections.inc({ reason });
  }

  loginSucceeded(): void {
    this.logins.inc({ result: 'success' });
  }

  loginFailed(reason: LoginFailureReason): void {
    this.logins.inc({ result: reason });
  }

  sessionsRevoked(reason: RevocationReason, count = 1): void {
    if (count > 0) this.revoked.inc({ reason }, count);
  }

  requestRateLimited(limiter: Limiter): void {
    this.rateLimited.inc({ limiter });
  }

  cacheLookup(cache: string, hit: boolean): void {
    let children = this.cacheChildren.get(cache);
    if (children === undefined) {
      children = {
        hit: this.cache.labels({ cache, result: 'hit' }),
        miss: this.cache.labels({ cache, result: 'miss' }),
      };
      this.cacheChildren.set(cache, children);
    }
    (hit ? children.hit : children.miss).inc();
  }

  rateLimitStorageFailed(): void {
    this.limiterErrors.inc();
  }
}
