import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { authConfig, AuthConfig } from '@/config/configuration';
import type { AuthUser } from '@/modules/auth/decorators/current-user.decorator';
import { ActiveUsers } from '@/modules/metrics/active-users';
import { AuthStateService } from '@/modules/users/sessions/auth-state.service';
import { LastUsedRecorder } from '@/modules/users/sessions/last-used-recorder';
import { ACCESS_TOKEN_TYPE, AccessClaims } from '../access-claims';
import { hmacKey } from '../token-keys';

/**
 * Verifies bearer access tokens: HS256 only (so `alg: none` and key-confusion tricks fail),
 * signature, expiry, issuer and audience (`JWT_ISSUER`, `JWT_AUDIENCE`), then that it is an
 * access token (not some other JWT of ours) with an `exp`, and finally, per request, that
 * the user is active and the session was neither revoked nor past its absolute end.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(authConfig.KEY) cfg: AuthConfig,
    private readonly authState: AuthStateService,
    private readonly activeUsers: ActiveUsers,
    private readonly lastUsed: LastUsedRecorder,
  ) {
    const key = hmacKey(cfg.accessSecret);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt types want a string or Buffer; jsonwebtoken 9 takes the KeyObject as is.
      secretOrKeyProvider: (_req: unknown, _raw: unknown, done: (err: unknown, key?: string | Buffer) => void) =>
        done(null, key as unknown as Buffer),
      algorithms: ['HS256'],
      ignoreExpiration: false,
      issuer: cfg.issuer,
      audience: cfg.audience,
    });
  }

  async validate(claims: Partial<AccessClaims>): Promise<AuthUser | false> {
    const { sub, sid, jti, typ, exp } = claims;
    if (typ !== ACCESS_TOKEN_TYPE || typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') {
      return false;
    }
    // jsonwebtoken checks `exp` only when the token has one: without this, a token signed
    // without it (a leaked key, a debugging script) would never expire.
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return false;
    const state = await this.authState.check(sub, sid);
    if (!state) return false;
    // Not awaited: counting an active user must never slow down or fail the request.
    void this.activeUsers.seen(sub);
    // In memory only: the session's last_used_at is written later, in batches.
    this.lastUsed.used(sid);
    return { id: sub, role: state.role, sessionId: sid, jti };
  }
}
