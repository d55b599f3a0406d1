import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { UserRole } from '@/modules/users/entities/user.entity';

/** The authenticated caller, as the JWT guard leaves it on `request.user`. */
export interface AuthUser {
  id: string;
  /** Current role from the database (through the cache), not the token's claim: a demotion applies at once. */
  role: UserRole;
  sessionId: string;
  jti: string;
}

/** Injects the authenticated caller into a handler parameter. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
