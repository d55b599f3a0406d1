import { MAX_REMEMBERED_TOKEN_LENGTH, VerifiedTokens } from './verified-tokens';

describe(VerifiedTokens.name, () => {
  let now: number;
  const tokens = (capacity = 3) => new VerifiedTokens<{ exp: number; nbf?: number; sub: string }>(capacity, () => now);

  beforeEach(() => {
    now = 1_000;
  });

  it('answers a token it was given with its claims, frozen, and nothing for any other string', () => {
    const known = tokens();
    known.add('a.b.c', { sub: 'u1', exp: 1_060 });

    const claims = known.get('a.b.c');
    expect(claims).toEqual({ sub: 'u1', exp: 1_060 });
    expect(Object.isFrozen(claims)).toBe(true);
    expect(known.get('a.b.C')).toBeUndefined();
    expect(known.get('a.b.c ')).toBeUndefined();
  });

  it('checks exp on every hit as jsonwebtoken does (expired at exp) and forgets an expired token', () => {
    const known = tokens();
    known.add('t', { sub: 'u1', exp: 1_060 });

    now = 1_059;
    expect(known.get('t')).toBeDefined();
    now = 1_060;
    expect(known.get('t')).toBeUndefined();
    expect(known.size).toBe(0);
    // Even a clock set back does not bring it back: it has to be verified again.
    now = 1_000;
    expect(known.get('t')).toBeUndefined();
  });

  it('checks nbf on every hit, for a clock that went back since the token was verified', () => {
    const known = tokens();
    known.add('t', { sub: 'u1', exp: 2_000, nbf: 1_000 });

    expect(known.get('t')).toBeDefined();
    now = 999;
    expect(known.get('t')).toBeUndefined();
  });

  it('holds at most its capacity, dropping the oldest token first', () => {
    const known = tokens(2);
    known.add('t1', { sub: 'u1', exp: 2_000 });
    known.add('t2', { sub: 'u2', exp: 2_000 });
    known.add('t3', { sub: 'u3', exp: 2_000 });

    expect(known.size).toBe(2);
    expect(known.get('t1')).toBeUndefined();
    expect(known.get('t2')?.sub).toBe('u2');
    expect(known.get('t3')?.sub).toBe('u3');
  });

  it('replaces the entry of a token added again without evicting another', () => {
    const known = tokens(2);
    known.add('t1', { sub: 'u1', exp: 2_000 });
    known.add('t2', { sub: 'u2', exp: 2_000 });
    known.add('t2', { sub: 'u2', exp: 2_000 });

    expect(known.size).toBe(2);
    expect(known.get('t1')).toBeDefined();
  });

  it('answers the claims of a token too long to remember, frozen, without remembering it', () => {
    const known = tokens();
    const long = 'x'.repeat(MAX_REMEMBERED_TOKEN_LENGTH + 1);

    expect(Object.isFrozen(known.add(long, { sub: 'u1', exp: 2_000 }))).toBe(true);
    expect(known.get(long)).toBeUndefined();
    expect(known.size).toBe(0);
    known.add(long.slice(1), { sub: 'u1', exp: 2_000 });
    expect(known.get(long.slice(1))).toBeDefined();
  });

  it('remembers no token with a character a byte-wise copy would change', () => {
    const known = tokens();
    const wide = 'a.b.\u0141';

    expect(known.add(wide, { sub: 'u1', exp: 2_000 })).toEqual({ sub: 'u1', exp: 2_000 });
    expect(known.get(wide)).toBeUndefined();
    // Where the copy would have kept only the low byte: U+0141 would have become "A".
    expect(known.get('a.b.A')).toBeUndefined();
    expect(known.size).toBe(0);
  });

  it('refuses a capacity that could hold nothing', () => {
    expect(() => tokens(0)).toThrow(RangeError);
    expect(() => tokens(1.5)).toThrow(RangeError);
  });
});
