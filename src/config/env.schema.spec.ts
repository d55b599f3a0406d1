import { InvalidConfigError, parseEnv } from './env.schema';

const strongSecret = (seed: string) => `${seed}-k9Qz7Lm2Xw4Rt8Vb1Nc6Hy3Pd5Gf0Js`;

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseEnv', () => {
  it('applies the documented defaults to an empty environment', () => {
    const sut = parseEnv({});
    expect(sut).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      LOG_LEVEL: 'info',
      TRUST_PROXY: false,
      CORS_ORIGINS: [],
      DATABASE_READ_URLS: [],
      JWT_ACCESS_TTL: 15 * 60_000,
      JWT_REFRESH_TTL: 7 * 86_400_000,
      THROTTLE_LIMIT: 100,
      THROTTLE_TTL: 60_000,
      THROTTLE_REGISTER_LIMIT: 10,
      THROTTLE_REGISTER_TTL: 60_000,
      PASSWORD_HASH_QUEUE_MAX: 32,
      HTTP_REQUEST_TIMEOUT: 30_000,
    });
    expect(sut.DATABASE_URL).toBeUndefined();
    expect(sut.REDIS_URL).toBeUndefined();
  });

  it('parses lists, durations, proxies and URLs', () => {
    const sut = parseEnv({
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      DATABASE_URL: 'postgres://u@db:5432/app',
      DATABASE_READ_URLS: 'postgres://u@r1/app,postgres://u@r2/app',
      JWT_ACCESS_TTL: '90s',
      TRUST_PROXY: '10.0.0.0/8,loopback',
    });
    expect(sut.CORS_ORIGINS).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(sut.DATABASE_READ_URLS).toHaveLength(2);
    expect(sut.JWT_ACCESS_TTL).toBe(90_000);
    expect(sut.TRUST_PROXY).toEqual(['10.0.0.0/8', 'loopback']);
    expect(parseEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(1);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'eighty', THROTTLE_TTL: 'forever', REDIS_URL: 'http://cache:6379' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'REDIS_URL', 'THROTTLE_TTL']);
  });

  it('demands real JWT secrets in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_ACCESS_SECRET: is required in production',
      'JWT_REFRESH_SECRET: is required in production',
    ]);
    expect(
      problemsOf({ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'short', JWT_REFRESH_SECRET: strongSecret('r') }),
    ).toEqual(['JWT_ACCESS_SECRET: must be at least 32 characters']);
    const placeholder = problemsOf({
      NODE_ENV: 'production',
      JWT_ACCESS_SECRET: 'change-me-change-me-change-me-change-me',
      JWT_REFRESH_SECRET: strongSecret('r'),
    });
    expect(placeholder).toEqual(['JWT_ACCESS_SECRET: looks like a placeholder; use a random value']);
    expect(() =>
      parseEnv({ NODE_ENV: 'production', JWT_ACCESS_SECRET: strongSecret('a'), JWT_REFRESH_SECRET: strongSecret('r') }),
    ).not.toThrow();
  });

  it('never echoes a secret value in its message', () => {
    const error = (() => {
      try {
        parseEnv({ JWT_ACCESS_SECRET: 'hunter2' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('JWT_ACCESS_SECRET');
    expect(error?.message).not.toContain('hunter2');
  });

  it('defaults the session lifetime, issuer and audience, and refuses a session shorter than an access token', () => {
    expect(parseEnv({})).toMatchObject({
      JWT_SESSION_MAX_AGE: 30 * 86_400_000,
      JWT_ISSUER: 'nest-enterprise-backend',
      JWT_AUDIENCE: 'nest-enterprise-backend-api',
    });
    expect(problemsOf({ JWT_SESSION_MAX_AGE: '10m' })).toEqual([
      'JWT_SESSION_MAX_AGE: must be at least JWT_ACCESS_TTL, or a fresh login would outlive its session (got "10m")',
    ]);
    expect(parseEnv({ JWT_SESSION_MAX_AGE: '15m', JWT_REFRESH_TTL: '7d' }).JWT_SESSION_MAX_AGE).toBe(900_000);
    expect(problemsOf({ JWT_ISSUER: ' ', JWT_AUDIENCE: '' }).map((p) => p.split(':')[0])).toEqual([
      'JWT_ISSUER',
      'JWT_AUDIENCE',
    ]);
  });

  it('refuses half an admin, two Redis modes, and replicas without a server database', () => {
    expect(problemsOf({ ADMIN_EMAIL: 'admin@example.com' })).toEqual([
      'ADMIN_PASSWORD: must be set together with the other ADMIN_ variable',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' })[0]).toMatch(
      /^REDIS_URL: set only one/,
    );
    expect(problemsOf({ DATABASE_READ_URLS: 'postgres://r/app' })[0]).toMatch(
      /^DATABASE_READ_URLS: needs DATABASE_URL/,
    );
  });
});

describe('parseEnv rules', () => {
  it.each([
    ['false', false],
    ['off', false],
    ['', false],
    ['true', 1],
    ['yes', 1],
    ['2', 2],
    ['loopback, 10.0.0.0/8, fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
  ])('reads TRUST_PROXY=%p as %p', (value, expected) => {
    expect(parseEnv({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it('bounds HTTP_REQUEST_TIMEOUT to what the server can enforce', () => {
    expect(parseEnv({ HTTP_REQUEST_TIMEOUT: '1s' }).HTTP_REQUEST_TIMEOUT).toBe(1_000);
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT: '1ms' })).toEqual([
      'HTTP_REQUEST_TIMEOUT: must be between 1s and 10m (got "1ms")',
    ]);
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT: '1h' })).toHaveLength(1);
  });

  it('refuses a TRUST_PROXY that is neither a switch, a hop count nor addresses', () => {
    expect(problemsOf({ TRUST_PROXY: 'proxy.internal' })).toEqual([
      'TRUST_PROXY: must be false, true (one hop), a hop count, or a comma-separated list of addresses/CIDRs (got "proxy.internal")',
    ]);
  });

  it('shows a refused URL without its password', () => {
    const problems = problemsOf({
      DATABASE_URL: 'postgres://app:s3cret-pw@db:5432/app',
      DATABASE_READ_URLS: 'ftp://reader:other-pw@replica/app',
      REDIS_URL: 'http://:redis-pw@cache:6379',
    });
    expect(problems.join('\n')).not.toMatch(/s3cret-pw|other-pw|redis-pw/);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ftp://reader:***@replica/app'),
        expect.stringContaining('http://:***@cache:6379'),
      ]),
    );
  });

  it('accepts smtp:// and smtps:// only, and never shows the SMTP password', () => {
    expect(parseEnv({ SMTP_URL: 'smtp://user:pw@127.0.0.1:2525' }).SMTP_URL).toBe('smtp://user:pw@127.0.0.1:2525');
    expect(parseEnv({ SMTP_URL: 'smtps://smtp.example.com' }).SMTP_URL).toBe('smtps://smtp.example.com');
    const problems = problemsOf({ SMTP_URL: 'https://mailer:smtp-pw@smtp.example.com:465' });
    expect(problems).toEqual([
      'SMTP_URL: must be a URL starting with smtp:// or smtps:// (got "https://mailer:***@smtp.example.com:465")',
    ]);
  });

  it('refuses a MAIL_FROM that is no address or would break into the next header', () => {
    expect(parseEnv({ MAIL_FROM: 'Example <hello@example.com>' }).MAIL_FROM).toBe('Example <hello@example.com>');
    expect(problemsOf({ MAIL_FROM: 'nobody' })[0]).toMatch(/^MAIL_FROM: must be addr@host/);
    expect(problemsOf({ MAIL_FROM: 'a@example.com\nBcc: victim@example.com' })[0]).toMatch(/^MAIL_FROM: /);
    expect(problemsOf({ APP_PUBLIC_URL: 'app.example.com' })[0]).toMatch(/^APP_PUBLIC_URL: must be a URL/);
  });

  it('names each bad entry of a list, including ones that are not URLs at all', () => {
    expect(problemsOf({ CORS_ORIGINS: 'https://ok.example.com, not a url, ftp://files.example.com' })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS: "not a url" is not an http\(s\) origin/),
      expect.stringMatching(/^CORS_ORIGINS: "ftp:\/\/files.example.com" is not an http\(s\) origin/),
    ]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000,b' })).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES: "b" is not host:port/),
    ]);
  });

  it('reads switches and bare-second durations', () => {
    expect(parseEnv({ THROTTLE_FAIL_CLOSED: 'on', THROTTLE_TTL: '30' })).toMatchObject({
      THROTTLE_FAIL_CLOSED: true,
      THROTTLE_TTL: 30_000,
    });
    expect(parseEnv({ THROTTLE_FAIL_CLOSED: '0' }).THROTTLE_FAIL_CLOSED).toBe(false);
    expect(parseEnv({}).LOGIN_FAIL_CLOSED).toBe(false);
    expect(parseEnv({ LOGIN_FAIL_CLOSED: 'true' }).LOGIN_FAIL_CLOSED).toBe(true);
    expect(problemsOf({ THROTTLE_TTL: '0s' })[0]).toMatch(/^THROTTLE_TTL: "0s" is not a duration/);
  });

  it('refuses the same secret for access and refresh tokens', () => {
    const secret = strongSecret('same');

    expect(problemsOf({ JWT_ACCESS_SECRET: secret, JWT_REFRESH_SECRET: secret })).toEqual([
      'JWT_REFRESH_SECRET: must differ from JWT_ACCESS_SECRET',
    ]);
  });

  it('refuses a long but low-variety secret in production only', () => {
    const lowVariety = 'abababababababababababababababab';
    const env = { JWT_ACCESS_SECRET: lowVariety, JWT_REFRESH_SECRET: strongSecret('r') };

    expect(problemsOf({ ...env, NODE_ENV: 'production' })).toEqual([
      'JWT_ACCESS_SECRET: looks like a placeholder; use a random value',
    ]);
    expect(parseEnv(env).JWT_ACCESS_SECRET).toBe(lowVariety);
  });

  it('names ADMIN_EMAIL when only the admin password is set', () => {
    expect(problemsOf({ ADMIN_PASSWORD: 'long enough password' })).toEqual([
      'ADMIN_EMAIL: must be set together with the other ADMIN_ variable',
    ]);
  });

  it('accepts read replicas behind a MySQL primary', () => {
    expect(
      parseEnv({ DATABASE_URL: 'mysql://u@db/app', DATABASE_READ_URLS: 'mariadb://u@r1/app' }).DATABASE_READ_URLS,
    ).toEqual(['mariadb://u@r1/app']);
  });
});
