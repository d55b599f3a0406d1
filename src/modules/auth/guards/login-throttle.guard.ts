import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { normaliseEmail } from '@/modules/users/users.service';
import { LoginAttemptsService } from '../login-attempts.service';

/**
 * Refuses a login attempt, before any password is hashed, while the account or the client
 * is over its failure limit: 429 with Retry-After (seconds). Runs before the body is
 * validated, so it reads the email defensively.
 */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  constructor(
    private readonly attempts: LoginAttemptsService,
    private readonly metrics: AppMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const raw = (req.body as { email?: unknown } | undefined)?.email;
    const email = typeof raw === 'string' ? normaliseEmail(raw) : undefined;
    const waitMs = await this.attempts.blockedForMs(email, clientOf(req));
    if (waitMs <= 0) return true;

    http.getResponse<Response>().setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
    this.metrics.loginFailed('locked_out');
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
