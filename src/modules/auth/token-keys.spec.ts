import { accessVerifyOptions } from './token-keys';

describe(accessVerifyOptions.name, () => {
  it('checks algorithm, issuer and audience, and leaves the time checks at their defaults', () => {
    // VerifiedTokens re-checks a remembered token's exp and nbf as jsonwebtoken does with no
    // clockTolerance, maxAge or ignore* option. Adding one here must change it as well; so
    // must adding one beside these options where the two verifiers are configured
    // (JwtModule in auth.module.ts, JwtStrategy), which this cannot see.
    expect(accessVerifyOptions({ issuer: 'iss', audience: 'aud' })).toStrictEqual({
      algorithms: ['HS256'],
      issuer: 'iss',
      audience: 'aud',
    });
  });
});
