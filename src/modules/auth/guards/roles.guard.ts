import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from '@/modules/auth/decorators/current-user.decorator';
import { ROLES_KEY } from '@/modules/auth/decorators/authenticated.decorator';
import { ForbiddenProblem } from '@/common/http/problem';
import type { UserRole } from '@/modules/users/entities/user.entity';
import { PerRoute } from './per-route';

/** Global guard after JwtAuthGuard: enforces `@Authenticated({ roles })` against the caller's current role. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles: PerRoute<UserRole[] | undefined>;

  constructor(reflector: Reflector) {
    this.roles = new PerRoute((targets) => reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets));
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.roles.of(context);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || !roles.includes(user.role)) throw new ForbiddenProblem('This needs the admin role.');
    return true;
  }
}
