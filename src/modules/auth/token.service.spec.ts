import { JwtService } from '@nestjs/jwt';
import type { AuthConfig } from '@/config/configuration';
import { TokenService } from './token.service';
import { hmacKey } from './token-keys';

describe(TokenService.name, () => {
  const secret = 'unit-test-access-secret-0123456789-abcdef';
  const cfg = { accessTtlMs: 900_000, issuer: 'issuer-under-test', audience: 'audience-under-test' } as AuthConfig;
  const jwt = new JwtService({ secret: hmacKey(secret), signOptions: { algorithm: 'HS256' } });
  const user = { id: 'u1', role: 'user' as const };
  const issued = (sessionEndsInMs: number) => ({
    sessionId: 's1',
    refreshToken: 'r1',
    sessionEndsAt: new Date(Date.now() + sessionEndsInMs),
  });
  const verify = (token: string) =>
    jwt.verify<Record<string, unknown>>(token, { issuer: cfg.issuer, audience: cfg.audience });
  let sut: TokenService;

  beforeEach(() => {
    sut = new TokenService(jwt, cfg);
  });

  it('signs an access token of JWT_ACCESS_TTL with issuer, audience and session', async () => {
    const pair = await sut.pair(user, issued(30 * 86_400_000));
    const claims = verify(pair.accessToken);
    expect(pair).toMatchObject({ refreshToken: 'r1', tokenType: 'Bearer', expiresIn: 900 });
    expect(claims).toMatchObject({ sub: 'u1', sid: 's1', typ: 'access', iss: cfg.issuer, aud: cfg.audience });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
  });

  it('cuts the access token short where the session ends, and says so in expiresIn', async () => {
    const session = issued(42_500);
    const pair = await sut.pair(user, session);
    const claims = verify(pair.accessToken);
    expect(Number(claims.exp)).toBeLessThanOrEqual(session.sessionEndsAt.getTime() / 1000);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(pair.expiresIn);
    // Measured from the token's own iat, so a slow machine between the two lines cannot fail it.
    expect(pair.expiresIn).toBe(Math.floor(session.sessionEndsAt.getTime() / 1000) - Number(claims.iat));
    expect(pair.expiresIn).toBeLessThan(900);
  });
});
