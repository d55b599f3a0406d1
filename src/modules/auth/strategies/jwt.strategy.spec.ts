import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService, type JwtSignOptions } from '@nestjs/jwt';
import { Strategy } from 'passport-jwt';
import type { AuthConfig } from '@/config/configuration';
import { UnauthorizedProblem } from '@/common/http/problem';
import { ActiveUsers } from '@/modules/metrics/active-users';
import { AuthStateService } from '@/modules/users/sessions/auth-state.service';
import { LastUsedRecorder } from '@/modules/users/sessions/last-used-recorder';
import { automock } from '@test/support/automock';
import { ACCESS_TOKEN_TYPE } from '../access-claims';
import { AuthLookahead, type LookaheadRequest } from '../guards/auth-lookahead';
import { JwtAuthGuard } from '../guards/jwt-auth.guard';
import { accessVerifyOptions, hmacKey } from '../token-keys';
import { JwtStrategy } from './jwt.strategy';

const cfg = {
  accessSecret: 'unit-access-secret-0123456789-abcdefghijklmnop',
  issuer: 'https://auth.example.com',
  audience: 'example-api',
} as AuthConfig;
const USER = '0a4f3c1e-5b7d-4e2a-9c3b-1d2e3f4a5b6c';
const SESSION = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2f1e';

/** What `JwtModule` is given in AuthModule, for a secret and verify options of a test's choosing. */
const jwtFor = (secret: string, verify = accessVerifyOptions(cfg)) =>
  new JwtService({ secret: hmacKey(secret), signOptions: { algorithm: 'HS256' }, verifyOptions: verify });

/** An access token as TokenService signs one, with `claims` and sign options changed; `secret` signs it. */
const sign = (
  claims: Record<string, unknown> = {},
  options: JwtSignOptions = { expiresIn: 900 },
  secret = cfg.accessSecret,
) =>
  jwtFor(secret).sign(
    { sub: USER, role: 'user', sid: SESSION, typ: ACCESS_TOKEN_TYPE, ...claims },
    { jwtid: 'jti-1', issuer: cfg.issuer, audience: cfg.audience, ...options },
  );

class Controller {
  me() {}
}

/** The one call passport-jwt verifies a token with; documented as the thing to replace in tests. */
const passportJwt = Strategy as typeof Strategy & { JwtVerifier: (...args: unknown[]) => void };

describe(JwtStrategy.name, () => {
  let authState: jest.Mocked<AuthStateService>;
  let jwt: JwtService;
  let lookahead: AuthLookahead;
  let guard: JwtAuthGuard;
  let lookaheadVerify: jest.SpyInstance;
  let strategyVerify: jest.SpyInstance;

  beforeEach(() => {
    authState = automock(AuthStateService, {
      lookup: (userId, sessionId) => ({ userId, sessionId, state: Promise.resolve([undefined, undefined]) }),
      check: async (userId, sessionId) => (userId === USER && sessionId === SESSION ? { role: 'user' } : null),
    });
    jwt = jwtFor(cfg.accessSecret);
    lookahead = new AuthLookahead(new Reflector(), jwt, authState);
    // Registers itself with passport as 'jwt', replacing the strategy of the test before.
    new JwtStrategy(
      cfg,
      authState,
      automock(ActiveUsers, { seen: () => undefined }),
      automock(LastUsedRecorder, { used: () => undefined }),
      lookahead,
    );
    guard = new JwtAuthGuard(new Reflector());
    lookaheadVerify = jest.spyOn(jwt, 'verify');
    strategyVerify = jest.spyOn(passportJwt, 'JwtVerifier');
  });
  afterEach(() => jest.restoreAllMocks());

  const requestWith = (token: string) =>
    ({ headers: { authorization: `Bearer ${token}` }, params: {} }) as LookaheadRequest;

  function contextOf(req: LookaheadRequest) {
    const res = automock<{ header(name: string, value: string): void }>('Response', { header: () => undefined });
    const http = automock<ReturnType<ExecutionContext['switchToHttp']>>('HttpArgumentsHost', {
      getRequest: () => req,
      getResponse: () => res,
    });
    return automock<ExecutionContext>('ExecutionContext', {
      getHandler: () => Controller.prototype.me,
      getClass: () => Controller,
      switchToHttp: () => http,
    });
  }

  /** The global guards' order: the throttler starts the lookahead, then the JWT guard runs. */
  async function authenticate(req: LookaheadRequest, { lookaheadRuns = true } = {}) {
    const context = contextOf(req);
    if (lookaheadRuns) lookahead.start(context);
    await guard.canActivate(context);
    return (req as LookaheadRequest & { user?: unknown }).user;
  }

  /** The 401 (or other error) the guard answers `req` with. */
  const refusal = (req: LookaheadRequest, options?: { lookaheadRuns?: boolean }) =>
    authenticate(req, options).then(
      () => {
        throw new Error('the request was let through');
      },
      (err: unknown) => err,
    );

  it('takes the claims the lookahead verified for this request and verifies the token only once', async () => {
    const req = requestWith(sign());

    await expect(authenticate(req)).resolves.toEqual({ id: USER, role: 'user', sessionId: SESSION, jti: 'jti-1' });

    expect(lookaheadVerify).toHaveBeenCalledTimes(1);
    expect(strategyVerify).not.toHaveBeenCalled();
    expect(authState.check).toHaveBeenCalledWith(USER, SESSION, req.authLookup);
  });

  it('verifies a token once for all the requests that carry it, and checks each one against its session', async () => {
    const token = sign();
    const first = requestWith(token);
    const second = requestWith(token);

    await expect(authenticate(first)).resolves.toMatchObject({ id: USER, sessionId: SESSION });
    await expect(authenticate(second)).resolves.toMatchObject({ id: USER, sessionId: SESSION });

    expect(lookaheadVerify).toHaveBeenCalledTimes(1);
    expect(strategyVerify).not.toHaveBeenCalled();
    expect(authState.check).toHaveBeenCalledTimes(2);
    expect(authState.check).toHaveBeenLastCalledWith(USER, SESSION, second.authLookup);
    // A session revoked since then is refused although the token is remembered.
    authState.check.mockResolvedValueOnce(null);
    await expect(refusal(requestWith(token))).resolves.toMatchObject({ code: 'unauthorized' });
  });

  it('remembers no token it refused, and refuses an altered copy of one it remembers', async () => {
    const refresh = sign({ typ: 'refresh' });
    await refusal(requestWith(refresh));
    await refusal(requestWith(refresh));
    // Verified (and refused) by the lookahead both times: nothing was remembered for it.
    expect(lookaheadVerify).toHaveBeenCalledTimes(2);

    const token = sign();
    await expect(authenticate(requestWith(token))).resolves.toMatchObject({ id: USER });
    await expect(refusal(requestWith(tamper(token, { role: 'admin' })))).resolves.toMatchObject({
      code: 'unauthorized',
    });
    await expect(refusal(requestWith(`${token}x`))).resolves.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token it verified earlier once it has expired, with token_expired', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const token = sign({}, { expiresIn: 60 });
      await expect(authenticate(requestWith(token))).resolves.toMatchObject({ id: USER });

      jest.setSystemTime(Date.now() + 60_000);
      await expect(refusal(requestWith(token))).resolves.toMatchObject({ code: 'token_expired' });
      // Not remembered as valid: the strategy verified it again, and refused it.
      expect(strategyVerify).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('verifies the token itself when no lookahead ran for the request', async () => {
    const req = requestWith(sign());

    await expect(authenticate(req, { lookaheadRuns: false })).resolves.toMatchObject({ id: USER, sessionId: SESSION });

    expect(lookaheadVerify).not.toHaveBeenCalled();
    expect(strategyVerify).toHaveBeenCalledTimes(1);
    expect(authState.check).toHaveBeenCalledWith(USER, SESSION, undefined);
  });

  const expired = new UnauthorizedProblem('The access token has expired; refresh it.', 'token_expired');
  const invalid = new UnauthorizedProblem('A valid access token is required.');
  const now = Math.floor(Date.now() / 1000);
  it.each([
    ['an expired token', () => sign({ iat: now - 1000, exp: now - 100 }, {}), expired],
    ['a token signed with another secret', () => sign({}, undefined, 'x'.repeat(48)), invalid],
    ['a token for another audience', () => sign({}, { expiresIn: 900, audience: 'another-api' }), invalid],
    ['a token from another issuer', () => sign({}, { expiresIn: 900, issuer: 'https://evil.example.com' }), invalid],
    ['a token with a tampered payload', () => tamper(sign(), { role: 'admin' }), invalid],
    ['an unsigned token (alg: none)', () => unsigned({ sub: USER, sid: SESSION, typ: ACCESS_TOKEN_TYPE }), invalid],
    ['a token that is not an access token', () => sign({ typ: 'refresh' }), invalid],
    ['a token without an expiry', () => sign({}, {}), invalid],
  ])('refuses %s with the same 401 whether or not the lookahead ran first', async (_name, token, problem) => {
    const withLookahead = await refusal(requestWith(token()));
    const alone = await refusal(requestWith(token()), { lookaheadRuns: false });

    // The lookahead set nothing aside for a token it refused: the strategy verified it both times.
    expect(strategyVerify).toHaveBeenCalledTimes(2);
    for (const refused of [withLookahead, alone]) {
      expect(refused).toBeInstanceOf(UnauthorizedProblem);
      expect(refused).toMatchObject({ code: problem.code, detail: problem.detail });
    }
  });

  it('refuses a verified token whose session or user is no longer valid, as before', async () => {
    const req = requestWith(sign({ sid: '00000000-0000-4000-8000-000000000000' }));

    await expect(refusal(req)).resolves.toMatchObject({ code: 'unauthorized', detail: invalid.detail });
    expect(strategyVerify).not.toHaveBeenCalled();
  });

  it('lets an infrastructure failure of the revocation check through unchanged', async () => {
    const down = new Error('cache and database unavailable');
    authState.check.mockRejectedValue(down);

    await expect(refusal(requestWith(sign()))).resolves.toBe(down);
  });

  it('verifies a token that replaced the one the lookahead verified', async () => {
    const req = requestWith(sign());
    lookahead.start(contextOf(req));
    req.headers.authorization = `Bearer ${tamper(sign(), { role: 'admin' })}`;

    await expect(refusal(req, { lookaheadRuns: false })).resolves.toMatchObject({ code: 'unauthorized' });
    expect(strategyVerify).toHaveBeenCalledTimes(1);
  });

  it('trusts no claims but those of its own lookahead', async () => {
    const otherSecret = 'another-app-secret-0123456789-abcdefghijkl';
    const other = new AuthLookahead(new Reflector(), jwtFor(otherSecret), authState);
    const req = requestWith(sign({}, undefined, otherSecret));
    other.start(contextOf(req));
    expect(req.authLookup).toBeDefined();

    await expect(refusal(req, { lookaheadRuns: false })).resolves.toMatchObject({ code: 'unauthorized' });
    expect(strategyVerify).toHaveBeenCalledTimes(1);
  });
});

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The token with claims changed and the original signature kept. */
function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return [header, base64url({ ...decoded, ...claims }), signature].join('.');
}

function unsigned(claims: Record<string, unknown>): string {
  const exp = Math.floor(Date.now() / 1000) + 900;
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ jti: 'x', exp, ...claims })}.`;
}
