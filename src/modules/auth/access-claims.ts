import type { UserRole } from '@/modules/users/entities/user.entity';

/** The claims of an access token. `typ` keeps any other token we might sign from passing as one. */
export interface AccessClaims {
  sub: string;
  role: UserRole;
  sid: string;
  jti: string;
  typ: 'access';
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

export const ACCESS_TOKEN_TYPE = 'access';

/**
 * Whether verified claims are those of an access token with everything the checks after
 * the signature need. jsonwebtoken checks `exp` only when the token has one: without this,
 * a token signed without it (a leaked key, a debugging script) would never expire.
 */
export function isAccessClaims(claims: Partial<AccessClaims>): claims is AccessClaims {
  const { sub, sid, jti, typ, exp } = claims;
  return (
    typ === ACCESS_TOKEN_TYPE &&
    typeof sub === 'string' &&
    typeof sid === 'string' &&
    typeof jti === 'string' &&
    typeof exp === 'number' &&
    Number.isFinite(exp)
  );
}
