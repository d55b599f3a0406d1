import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemException } from '@/common/http/problem';
import { audit } from '@/infra/logging/audit-log';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import type { User } from '@/modules/users/entities/user.entity';
import { normaliseEmail, UsersService } from '@/modules/users/users.service';
import { LoginAttemptsService } from '../login-attempts.service';

/** What the guard found and reserved for one login request, handed to the login itself. */
export interface LoginAttempt {
  user: User | null;
  release: () => Promise<void>;
}

const attempts = new WeakMap<Request, LoginAttempt>();

/** The attempt the guard reserved for this request; undefined when the body had no email. */
export const loginAttemptOf = (req: Request): LoginAttempt | undefined => attempts.get(req);

/**
 * Reserves one attempt against the account's and the client's failure limits before any
 * password is hashed, or refuses it: 429 with Retry-After (seconds). The account is the user
 * the email resolves to, so every spelling the database matches shares one counter. Runs
 * before the body is validated, so it reads the email defensively; a body without one
 * fails validation next and never reaches a password check.
 */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  constructor(
    private readonly attempts: LoginAttemptsService,
    private readonly users: UsersService,
    private readonly metrics: AppMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const raw = (req.body as { email?: unknown } | undefined)?.email;
    if (typeof raw !== 'string') return true;
    const email = normaliseEmail(raw);
    const user = await this.users.findForLogin(email);
    const reservation = await this.attempts.reserve(user ? `user:${user.id}` : `email:${email}`, clientOf(req));
    if (reservation.allowed) {
      attempts.set(req, { user, release: reservation.release });
      return true;
    }

    http.getResponse<Response>().setHeader('Retry-After', String(Math.max(1, Math.ceil(reservation.waitMs / 1000))));
    this.metrics.loginFailed('locked_out');
    audit('auth.login.locked_out', { userId: user?.id });
    this.metrics.requestRateLimited('login');
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_login_failures',
      'Too many failed logins for this account or client; retry after the number of seconds in Retry-After.',
    );
  }
}

/** The client address as express resolves it (X-Forwarded-For only when TRUST_PROXY says so). */
export const clientOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
