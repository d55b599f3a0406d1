import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { BEARER_AUTH } from '@/common/swagger/openapi-document';
import type { UserRole } from '@/modules/users/entities/user.entity';

export const AUTHENTICATED_KEY = 'authenticated';
export const ROLES_KEY = 'roles';
export const READS_PROFILE_KEY = 'readsProfile';

/** Whose profile a route answers with: the caller's, or the user a route parameter names (read ahead when that is the caller). */
export type ProfileReader = 'caller' | { param: string };

export interface AuthenticatedOptions {
  /** Narrows the route to callers holding one of these roles (checked by RolesGuard). */
  roles?: UserRole[];
  /**
   * The handler answers with a user profile (UserProfileCache): the guard reads the cached
   * profile in the same Redis round trip as the token's state, for `@LookedUpProfile()`.
   */
  readsProfile?: ProfileReader;
}

/**
 * A route (or controller) for signed-in callers. One decorator sets what the guards read
 * and the OpenAPI bearer security together, so the document cannot promise a public route
 * that the guards protect, or the reverse. The guards need a token on every route that is
 * not `@Public()` whether or not this is present; `test/e2e/route-access.e2e-spec.ts` fails
 * when a route carries neither.
 */
export const Authenticated = (options: AuthenticatedOptions = {}) =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_KEY, true),
    ...(options.roles ? [SetMetadata(ROLES_KEY, options.roles), ApiProblems('forbidden')] : []),
    ...(options.readsProfile ? [SetMetadata(READS_PROFILE_KEY, options.readsProfile)] : []),
    ApiBearerAuth(BEARER_AUTH),
  );
