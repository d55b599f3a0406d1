import { Buffer } from 'node:buffer';

/** The time claims a verified token is re-checked against on every use. */
export interface TimeBoundClaims {
  exp: number;
  nbf?: number;
}

/** Seconds since the epoch, the unit of `exp` and `nbf`. */
const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Longer tokens are verified but not remembered. Ours are ~450 characters; with the bound an
 * entry (the token and its parsed claims) stays under ~2 KB, a full cache under ~20 MB.
 */
export const MAX_REMEMBERED_TOKEN_LENGTH = 1024;

/**
 * A copy of `token` that shares no memory with the string it was cut from (a token taken
 * from a header by a regular expression can be a slice that keeps the whole header alive,
 * up to 16 KB of whatever the client appended, for as long as the entry lives), or
 * `undefined` if a byte-wise copy would not be the same string: verified tokens are
 * ASCII, so that never happens, and if it did the token is not remembered.
 */
function detached(token: string): string | undefined {
  const copy = Buffer.from(token, 'latin1').toString('latin1');
  return copy === token ? copy : undefined;
}

/**
 * Tokens this process has verified, by their exact string, with the claims they carry.
 *
 * A client sends the same access token on every request until it expires, and verifying it
 * (two base64url decodes, two JSON parses and one HMAC) took ~9% of the CPU of an
 * authenticated request. A token string is found here only if it passed verification
 * before, signature included, so a forged or altered token is never a hit; a hit is checked
 * against the clock again, exactly as jsonwebtoken checks `exp` and `nbf` with the options
 * access tokens are verified with (no clock tolerance, no maximum age: token-keys.spec.ts
 * holds them to that), and dropped once it no longer holds. Revocation is not this class's
 * business: the session and user are checked on every request, after this.
 *
 * Bounded: past `capacity` tokens the oldest one goes, so the worst case (more tokens in
 * use than fit) costs what verifying every request did. The claims are frozen, as every
 * request holding the token shares them.
 */
export class VerifiedTokens<Claims extends TimeBoundClaims> {
  private readonly entries = new Map<string, Readonly<Claims>>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = epochSeconds,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The claims of `token` if it was verified here and is still within its time bounds. */
  get(token: string): Readonly<Claims> | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    const now = this.now();
    if (now >= claims.exp || (claims.nbf !== undefined && claims.nbf > now)) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  /** Remembers a token the caller has just verified, with its claims (which it freezes and answers). */
  add(token: string, claims: Claims): Readonly<Claims> {
    const frozen = Object.freeze(claims);
    const key = token.length <= MAX_REMEMBERED_TOKEN_LENGTH ? detached(token) : undefined;
    if (key === undefined) return frozen;
    if (!this.entries.has(key) && this.entries.size >= this.capacity) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, frozen);
    return frozen;
  }
}
