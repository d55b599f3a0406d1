import { createSecretKey, KeyObject } from 'node:crypto';
import type { AuthConfig } from '@/config/configuration';

/**
 * HMAC secrets as KeyObjects. Given a string, jsonwebtoken 9 first tries to parse it as a
 * public key on every verify (auth0/node-jsonwebtoken#966): ~287 µs against ~5 µs.
 */
export const hmacKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

/**
 * What an access token must satisfy besides its signature, for both verifiers (`JwtService`
 * in AuthLookahead and passport-jwt in JwtStrategy): the JWT strategy accepts the
 * lookahead's verification, so the two must never differ. HS256 only, so `alg: none` and
 * key-confusion tricks fail; jsonwebtoken checks expiry unless told otherwise. A token
 * verified before is only re-checked for `exp` and `nbf` (VerifiedTokens), the way
 * jsonwebtoken checks them without options: a time option added here must be added there.
 */
export const accessVerifyOptions = (cfg: Pick<AuthConfig, 'issuer' | 'audience'>) => ({
  algorithms: ['HS256' as const],
  issuer: cfg.issuer,
  audience: cfg.audience,
});
