import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { ExtractJwt } from 'passport-jwt';
import type { HttpRequest } from '@/common/http/platform';
import { AuthLookup, AuthStateService } from '@/modules/users/sessions/auth-state.service';
import { AccessClaims, isAccessClaims } from '../access-claims';
import { ProfileReader, READS_PROFILE_KEY } from '../decorators/authenticated.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { VerifiedTokens } from '../verified-tokens';
import { PerRoute } from './per-route';

/** A request whose token's cache entries are being read ahead (see {@link AuthLookahead}). */
export interface LookaheadRequest extends HttpRequest {
  authLookup?: AuthLookup;
}

interface Route {
  isPublic: boolean;
  readsProfile?: ProfileReader;
}

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Access tokens remembered as verified. Each live client holds one (a few, while a refresh
 * overlaps); an entry (the token and its parsed claims) takes ~1 KB, at most ~2 KB (see
 * MAX_REMEMBERED_TOKEN_LENGTH), so a full cache ~10 MB, at most ~20 MB.
 */
export const VERIFIED_TOKENS_CAPACITY = 10_000;

/**
 * Starts the cache read of the token check before the rate-limit check, in the same tick,
 * so the Redis client sends both in one write (it pipelines the commands of a tick) and a
 * warm authenticated request costs one round trip instead of one per guard.
 *
 * The token is verified first (HMAC, no I/O), with the options the JWT strategy uses, so a
 * forged token costs no Redis command; a token verified before is only checked against the
 * clock again ({@link VerifiedTokens}). Only the cache is read: a miss is loaded from the
 * database by the JWT strategy, once the request has passed its rate limit. The strategy
 * takes the verified claims from {@link verifiedClaims} instead of verifying the token a
 * second time; a token this cannot verify is left to the strategy (and its 401).
 */
@Injectable()
export class AuthLookahead {
  private readonly routes: PerRoute<Route>;
  /**
   * What this lookahead verified, per request. Private to this instance and keyed by the
   * request object, so nothing a client sends, and nothing else in the process, can put
   * claims here: only `start` writes it.
   */
  private readonly verified = new WeakMap<object, { token: string; claims: AccessClaims }>();
  private readonly tokens = new VerifiedTokens<AccessClaims>(VERIFIED_TOKENS_CAPACITY);

  constructor(
    reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly authState: AuthStateService,
  ) {
    this.routes = new PerRoute((targets) => ({
      isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
      readsProfile: reflector.getAllAndOverride<ProfileReader | undefined>(READS_PROFILE_KEY, targets),
    }));
  }

  /** Synchronous: the read is under way when this returns, its answers on `request.authLookup`. */
  start(context: ExecutionContext): void {
    const route = this.routes.of(context);
    if (route.isPublic) return;
    const req = context.switchToHttp().getRequest<LookaheadRequest>();
    const token = bearerToken(req);
    if (!token) return;
    const claims = this.tokens.get(token) ?? this.verify(token);
    if (claims === undefined) return;
    this.verified.set(req, { token, claims });
    req.authLookup = this.authState.lookup(claims.sub, claims.sid, readsOwnProfile(route, req, claims.sub));
  }

  /** Verifies a token not seen before (or no longer remembered) and remembers it if it is an access token. */
  private verify(token: string): AccessClaims | undefined {
    let claims: Partial<AccessClaims>;
    try {
      claims = this.jwt.verify<Partial<AccessClaims>>(token);
    } catch {
      return undefined;
    }
    return isAccessClaims(claims) ? this.tokens.add(token, claims) : undefined;
  }

  /**
   * The claims `start` verified for this request, if the token it carries now is the one
   * verified; otherwise `undefined`, and the caller verifies the token itself.
   */
  verifiedClaims(req: HttpRequest): AccessClaims | undefined {
    const entry = this.verified.get(req);
    return entry !== undefined && bearerToken(req) === entry.token ? entry.claims : undefined;
  }
}

function readsOwnProfile(route: Route, req: HttpRequest, userId: string): boolean {
  const reader = route.readsProfile;
  if (reader === undefined) return false;
  return reader === 'caller' || req.params[reader.param] === userId;
}
