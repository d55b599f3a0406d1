import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ProfileLookup } from '@/modules/users/user-profile.cache';
import type { LookaheadRequest } from '../guards/auth-lookahead';

/**
 * The cached profile the guard read with the token's state, on a route with
 * `@Authenticated({ readsProfile })`; `undefined` when it read none (then the handler's
 * cache read asks Redis itself).
 */
export const LookedUpProfile = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): ProfileLookup | undefined =>
    ctx.switchToHttp().getRequest<LookaheadRequest>().authLookup?.profile,
);
