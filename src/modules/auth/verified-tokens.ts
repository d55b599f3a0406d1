/** The time claims a verified token is re-checked against on every use. */
export interface TimeBoundClaims {
  exp: number;
  nbf?: number;
}

/** Seconds since the epoch, the unit of `exp` and `nbf`. */
const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Tokens this process has verified, by their exact string, with the claims they carry.
 *
 * A client sends the same access token on every request until it expires, and verifying it
 * (two base64url decodes, two JSON parses and one HMAC) was the largest single cost of an
 * authenticated request. A token string is found here only if it passed verification
 * before, signature included, so a forged or altered token is never a hit; a hit is checked
 * against the clock again, exactly as jsonwebtoken checks `exp` and `nbf` (no tolerance),
 * and dropped once it no longer holds. Revocation is not this class's business: the
 * session and user are checked on every request, after this.
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

  /** Remembers a token the caller has just verified, with its claims. */
  add(token: string, claims: Claims): Readonly<Claims> {
    if (!this.entries.has(token) && this.entries.size >= this.capacity) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    const frozen = Object.freeze(claims);
    this.entries.set(token, frozen);
    return frozen;
  }
}
