import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { HttpRequest } from '@/common/http/platform';
import { clientOf } from '@/common/http/client-address';
import type { User } from '@/modules/users/entities/user.entity';
import { PasswordAttemptsService, ReservedAttempt } from '@/modules/users/password-attempts.service';
import { normaliseEmail, UsersService } from '@/modules/users/users.service';

/** What the guard found and reserved for one login request, handed to the login itself. */
export interface LoginAttempt {
  user: User | null;
  attempt: ReservedAttempt;
}

const attempts = new WeakMap<HttpRequest, LoginAttempt>();

/** The attempt the guard reserved for this request; undefined when the body had no email. */
export const loginAttemptOf = (req: HttpRequest): LoginAttempt | undefined => attempts.get(req);

/**
 * Reserves one attempt against the account's and the client's failure limits before any
 * password is hashed, or refuses it: 429 with Retry-After (seconds), or 503 when the
 * counters are unreachable and LOGIN_FAIL_CLOSED is set. The account is the user the email
 * resolves to (`user:<id>`, the same key PATCH /users/me counts its currentPassword
 * guesses under), so every spelling the database matches shares one counter. Runs before
 * the body is validated, so it reads the email defensively; a body without one fails
 * validation next and never reaches a password check.
 */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  constructor(
    private readonly attempts: PasswordAttemptsService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const raw = (req.body as { email?: unknown } | undefined)?.email;
    if (typeof raw !== 'string') return true;
    const email = normaliseEmail(raw);
    const user = await this.users.findForLogin(email);
    const attempt = await this.attempts.reserveOrRefuse(user ? `user:${user.id}` : `email:${email}`, clientOf(req));
    attempts.set(req, { user, attempt });
    return true;
  }
}
