import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Request as ExpressRequest } from 'express';
import { authConfig, AuthConfig } from '@/config/configuration';
import type { AuthUser } from '@/modules/auth/decorators/current-user.decorator';
import { ActiveUsers } from '@/modules/metrics/active-users';
import { AuthStateService } from '@/modules/users/sessions/auth-state.service';
import { LastUsedRecorder } from '@/modules/users/sessions/last-used-recorder';
import { AccessClaims, isAccessClaims } from '../access-claims';
import { AuthLookahead, type LookaheadRequest } from '../guards/auth-lookahead';
import { accessVerifyOptions, hmacKey } from '../token-keys';

/**
 * Verifies bearer access tokens: HS256 only (so `alg: none` and key-confusion tricks fail),
 * signature, expiry, issuer and audience (`JWT_ISSUER`, `JWT_AUDIENCE`), then that it is an
 * access token (not some other JWT of ours) with an `exp`, and finally, per request, that
 * the user is active and the session was neither revoked nor past its absolute end. That
 * last check uses the cache answers AuthLookahead read alongside the rate-limit check.
 *
 * A token is verified once per request at most: when AuthLookahead already verified this
 * request's token (with the same options, `accessVerifyOptions`), or remembered it as
 * verified and still within its time bounds, its claims are used as they are;
 * otherwise passport-jwt verifies it here, and a token the lookahead refused gets the
 * same 401 from that.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(authConfig.KEY) cfg: AuthConfig,
    private readonly authState: AuthStateService,
    private readonly activeUsers: ActiveUsers,
    private readonly lastUsed: LastUsedRecorder,
    private readonly lookahead: AuthLookahead,
  ) {
    const key = hmacKey(cfg.accessSecret);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt types want a string or Buffer; jsonwebtoken 9 takes the KeyObject as is.
      secretOrKeyProvider: (_req: unknown, _raw: unknown, done: (err: unknown, key?: string | Buffer) => void) =>
        done(null, key as unknown as Buffer),
      ...accessVerifyOptions(cfg),
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  /**
   * Passport calls this per request, on an object made from this strategy that carries
   * `success`, `fail` and `error`; passport-jwt's own version verifies the token and then
   * calls `validate` the same way.
   */
  override authenticate(req: LookaheadRequest, options?: unknown): void {
    const claims = this.lookahead.verifiedClaims(req);
    // passport-jwt reads the Authorization header only, which both platforms' requests carry.
    if (claims === undefined) return super.authenticate(req as unknown as ExpressRequest, options);
    void this.validate(req, claims).then(
      (user) => (user ? this.success(user) : this.fail(401)),
      (err: unknown) => this.error(err as Error),
    );
  }

  async validate(req: LookaheadRequest, claims: Partial<AccessClaims>): Promise<AuthUser | false> {
    if (!isAccessClaims(claims)) return false;
    const { sub, sid, jti } = claims;
    const state = await this.authState.check(sub, sid, req.authLookup);
    if (!state) return false;
    // In memory only: the active-user count and the session's last_used_at are written later, in batches.
    this.activeUsers.seen(sub);
    this.lastUsed.used(sid);
    return { id: sub, role: state.role, sessionId: sid, jti };
  }
}
