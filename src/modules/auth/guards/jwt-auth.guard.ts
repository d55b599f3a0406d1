import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { HttpReply } from '@/common/http/platform';
import { TokenExpiredError } from '@nestjs/jwt';
import { IS_PUBLIC_KEY } from '@/modules/auth/decorators/public.decorator';
import { UnauthorizedProblem } from '@/common/http/problem';
import { PerRoute } from './per-route';

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`. The
 * `jwt` strategy verifies the signature (HS256 only), expiry and token type, then that the
 * user is active and the session alive. Failures are one 401 problem; an expired token
 * gets its own code so clients know to refresh. Infrastructure errors pass through (503/500).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly isPublic: PerRoute<boolean>;

  constructor(reflector: Reflector) {
    super();
    this.isPublic = new PerRoute((targets) => reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true);
  }

  override canActivate(context: ExecutionContext) {
    return this.isPublic.of(context) ? true : super.canActivate(context);
  }

  override handleRequest<TUser>(err: unknown, user: TUser, info: unknown, context: ExecutionContext): TUser {
    // Whatever the strategy threw (a problem, or the database being down) stays as it is.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (err) throw err;
    if (user) return user;
    context.switchToHttp().getResponse<HttpReply>().header('WWW-Authenticate', 'Bearer');
    if (info instanceof TokenExpiredError) {
      throw new UnauthorizedProblem('The access token has expired; refresh it.', 'token_expired');
    }
    throw new UnauthorizedProblem('A valid access token is required.');
  }
}
