import { resolve } from 'node:path';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  AuthConfig,
  appConfig,
  authConfig,
  configModuleOptions,
  configNamespaces,
  databaseConfig,
  idempotencyConfig,
  mailConfig,
  jobsConfig,
  redisConfig,
  throttleConfig,
} from './configuration';
import { Env, InvalidConfigError } from './env.schema';

/** The namespaces read process.env; each test sets exactly the variables it is about, on an otherwise empty environment. */
function withEnv<T>(env: Record<string, string>, read: () => T): T {
  const saved = process.env;
  process.env = { ...env };
  try {
    return read();
  } finally {
    process.env = saved;
  }
}

const strongSecret = (seed: string) => `${seed}-k9Qz7Lm2Xw4Rt8Vb1Nc6Hy3Pd5Gf0Js`;

describe('configuration namespaces', () => {
  it('registers one namespace per concern', () => {
    expect(configNamespaces.map((ns) => ns.KEY)).toEqual([
      'CONFIGURATION(app)',
      'CONFIGURATION(database)',
      'CONFIGURATION(redis)',
      'CONFIGURATION(auth)',
      'CONFIGURATION(throttle)',
      'CONFIGURATION(jobs)',
      'CONFIGURATION(mail)',
      'CONFIGURATION(accounts)',
      'CONFIGURATION(idempotency)',
      'CONFIGURATION(maintenance)',
    ]);
  });

  it('refuses to build any namespace from an invalid environment', () => {
    for (const namespace of configNamespaces) {
      expect(() => withEnv({ PORT: 'eighty' }, () => namespace())).toThrow(InvalidConfigError);
    }
  });

  describe('app', () => {
    it('knows production from every other environment', () => {
      const production = {
        NODE_ENV: 'production',
        JWT_ACCESS_SECRET: strongSecret('a'),
        JWT_REFRESH_SECRET: strongSecret('r'),
      };

      expect(withEnv(production, appConfig)).toMatchObject({ env: 'production', production: true });
      expect(withEnv({ NODE_ENV: 'test' }, appConfig)).toMatchObject({ env: 'test', production: false });
    });

    it('serves the API docs by default everywhere but in production, and as DOCS_ENABLED says when set', () => {
      const production = {
        NODE_ENV: 'production',
        JWT_ACCESS_SECRET: strongSecret('a'),
        JWT_REFRESH_SECRET: strongSecret('r'),
      };

      expect(withEnv(production, appConfig).docsEnabled).toBe(false);
      expect(withEnv({ ...production, DOCS_ENABLED: 'true' }, appConfig).docsEnabled).toBe(true);
      expect(withEnv({ NODE_ENV: 'development' }, appConfig).docsEnabled).toBe(true);
      expect(withEnv({ NODE_ENV: 'test' }, appConfig).docsEnabled).toBe(true);
      expect(withEnv({ NODE_ENV: 'development', DOCS_ENABLED: 'false' }, appConfig).docsEnabled).toBe(false);
      expect(withEnv({ ...production, DOCS_ENABLED: '' }, appConfig).docsEnabled).toBe(false);
    });

    it('carries the HTTP, shutdown and Consul settings', () => {
      const sut = withEnv(
        {
          PORT: '8080',
          TRUST_PROXY: '1',
          CORS_ORIGINS: 'https://app.example.com',
          SHUTDOWN_DELAY_MS: '0',
          HTTP_REQUEST_TIMEOUT: '20s',
          CONSUL_HTTP_ADDR: 'consul:8500',
          CONSUL_CHECK_INTERVAL: '5s',
          OTEL_SERVICE_NAME: 'users-api',
        },
        appConfig,
      );

      expect(sut).toMatchObject({
        port: 8080,
        trustProxy: 1,
        corsOrigins: ['https://app.example.com'],
        bodyLimit: '100kb',
        requestTimeoutMs: 20_000,
        shutdownDelayMs: 0,
        shutdownTimeoutMs: 20_000,
        consulAddress: 'consul:8500',
        consulToken: undefined,
        consulCheckIntervalMs: 5_000,
        serviceName: 'users-api',
      });
    });
  });

  describe('database', () => {
    it('defaults to a SQLite file under data/, resolved from the working directory', () => {
      expect(withEnv({}, databaseConfig)).toMatchObject({
        kind: 'sqlite',
        url: undefined,
        sqlitePath: resolve('data/app.sqlite'),
      });
    });

    it.each([
      ['sqlite:var/db.sqlite', resolve('var/db.sqlite')],
      ['sqlite://var/db.sqlite', resolve('var/db.sqlite')],
      ['sqlite:/srv/app/db.sqlite', '/srv/app/db.sqlite'],
      ['sqlite::memory:', ':memory:'],
      ['sqlite:', resolve('data/app.sqlite')],
    ])('reads %s as a SQLite database, resolving a relative file', (url, path) => {
      expect(withEnv({ DATABASE_URL: url }, databaseConfig)).toMatchObject({
        kind: 'sqlite',
        url: undefined,
        sqlitePath: path,
      });
    });

    it.each([
      ['postgres://u@db/app', 'postgres'],
      ['postgresql://u@db/app', 'postgres'],
      ['mysql://u@db/app', 'mysql'],
      ['mariadb://u@db/app', 'mysql'],
    ])('reads %s as a %s server, keeping the URL', (url, kind) => {
      expect(withEnv({ DATABASE_URL: url }, databaseConfig)).toMatchObject({ kind, url, sqlitePath: undefined });
    });

    it('carries the pool, timeouts, slow-query threshold and read replicas', () => {
      const sut = withEnv(
        {
          DATABASE_URL: 'postgres://u@db/app',
          DATABASE_READ_URLS: 'postgres://u@r1/app',
          DATABASE_POOL_SIZE: '40',
          DATABASE_CONNECT_TIMEOUT: '2s',
          DATABASE_STATEMENT_TIMEOUT: '30s',
          DATABASE_SLOW_QUERY_MS: '200',
        },
        databaseConfig,
      );

      expect(sut).toMatchObject({
        readUrls: ['postgres://u@r1/app'],
        poolSize: 40,
        connectTimeoutMs: 2_000,
        statementTimeoutMs: 30_000,
        slowQueryMs: 200,
      });
    });
  });

  describe('redis', () => {
    it('is disabled when no Redis is named', () => {
      expect(withEnv({}, redisConfig)).toMatchObject({
        enabled: false,
        url: undefined,
        clusterNodes: [],
        sentinels: [],
      });
    });

    it.each([
      [{ REDIS_URL: 'redis://cache:6379' }],
      [{ REDIS_CLUSTER_NODES: 'r1:7000,r2:7001' }],
      [{ REDIS_SENTINELS: 's1:26379' }],
    ])('is enabled by %p', (env) => {
      expect(withEnv(env, redisConfig).enabled).toBe(true);
    });

    it('carries the topology, key prefix and command timeout', () => {
      const sut = withEnv(
        {
          REDIS_SENTINELS: 's1:26379, s2:26379',
          REDIS_SENTINEL_NAME: 'main',
          REDIS_KEY_PREFIX: 'users:',
          REDIS_COMMAND_TIMEOUT: '250ms',
        },
        redisConfig,
      );

      expect(sut).toMatchObject({
        sentinels: ['s1:26379', 's2:26379'],
        sentinelName: 'main',
        keyPrefix: 'users:',
        commandTimeoutMs: 250,
      });
    });
  });

  describe('auth', () => {
    it('uses the configured secrets', () => {
      const sut = withEnv({ JWT_ACCESS_SECRET: strongSecret('a'), JWT_REFRESH_SECRET: strongSecret('r') }, authConfig);

      expect(sut).toMatchObject({
        accessSecret: strongSecret('a'),
        refreshSecret: strongSecret('r'),
        secretsGenerated: false,
      });
    });

    it('generates missing development secrets once per process, different for each token kind', () => {
      const first = withEnv({}, authConfig);
      const second = withEnv({}, authConfig);

      expect(first.secretsGenerated).toBe(true);
      expect(first.accessSecret.length).toBeGreaterThanOrEqual(64);
      expect(first.accessSecret).not.toBe(first.refreshSecret);
      expect([second.accessSecret, second.refreshSecret]).toEqual([first.accessSecret, first.refreshSecret]);
    });

    it('reports generated secrets when only one of the two is configured', () => {
      const sut = withEnv({ JWT_ACCESS_SECRET: strongSecret('a') }, authConfig);

      expect(sut.accessSecret).toBe(strongSecret('a'));
      expect(sut.refreshSecret).not.toBe(strongSecret('a'));
      expect(sut.secretsGenerated).toBe(true);
    });

    it('carries token lifetimes, issuer and audience, the bootstrap admin and login failure limits', () => {
      const sut = withEnv(
        {
          JWT_ACCESS_TTL: '5m',
          JWT_REFRESH_TTL: '1d',
          JWT_SESSION_MAX_AGE: '14d',
          JWT_ISSUER: 'https://auth.example.com',
          JWT_AUDIENCE: 'example-api',
          ADMIN_EMAIL: 'admin@example.com',
          ADMIN_PASSWORD: 'a long admin password',
          LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
          LOGIN_MAX_FAILURES_PER_CLIENT: '50',
          LOGIN_FAILURE_WINDOW: '10m',
          LOGIN_FAIL_CLOSED: 'true',
        },
        authConfig,
      );

      expect(sut).toMatchObject({
        accessTtlMs: 300_000,
        refreshTtlMs: 86_400_000,
        sessionMaxAgeMs: 14 * 86_400_000,
        issuer: 'https://auth.example.com',
        audience: 'example-api',
        adminEmail: 'admin@example.com',
        adminPassword: 'a long admin password',
        loginMaxFailuresPerAccount: 3,
        loginMaxFailuresPerClient: 50,
        loginFailureWindowMs: 600_000,
        loginFailClosed: true,
      });
      expect(withEnv({}, authConfig).loginFailClosed).toBe(false);
    });
  });

  it('throttle: carries the request budget, the registration budget and the failure policy', () => {
    expect(
      withEnv(
        {
          THROTTLE_LIMIT: '10',
          THROTTLE_TTL: '1m',
          THROTTLE_FAIL_CLOSED: 'true',
          THROTTLE_REGISTER_LIMIT: '3',
          THROTTLE_REGISTER_TTL: '5m',
        },
        throttleConfig,
      ),
    ).toEqual({
      limit: 10,
      ttlMs: 60_000,
      failClosed: true,
      registerLimit: 3,
      registerTtlMs: 300_000,
    });
    expect(withEnv({}, throttleConfig)).toMatchObject({ failClosed: false, registerLimit: 10, registerTtlMs: 60_000 });
  });

  describe('mail', () => {
    it('writes to the log from no-reply@localhost until SMTP_URL is set', () => {
      expect(withEnv({}, mailConfig)).toEqual({
        smtpUrl: undefined,
        timeoutMs: 5_000,
        from: 'no-reply@localhost',
        publicUrl: 'http://localhost:3000',
      });
    });

    it('carries the SMTP server, sender and the public base URL without its trailing slash', () => {
      const sut = withEnv(
        {
          SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
          SMTP_TIMEOUT: '2s',
          MAIL_FROM: 'Example <hello@example.com>',
          APP_PUBLIC_URL: 'https://app.example.com/',
        },
        mailConfig,
      );
      expect(sut).toEqual({
        smtpUrl: 'smtps://mailer:pw@smtp.example.com:465',
        timeoutMs: 2_000,
        from: 'Example <hello@example.com>',
        publicUrl: 'https://app.example.com',
      });
    });
  });

  describe('jobs', () => {
    it('runs workers and serves the API in the default role, with 8 attempts from a 1 s backoff', () => {
      expect(withEnv({}, jobsConfig)).toEqual({
        role: 'all',
        runsWorkers: true,
        servesApi: true,
        attempts: 8,
        backoffMs: 1_000,
        concurrency: 4,
        pollIntervalMs: 250,
        keepCompleted: 500,
        shutdownTimeoutMs: 20_000,
      });
    });

    it('splits the roles: api runs no workers, worker serves no API', () => {
      expect(withEnv({ APP_ROLE: 'api' }, jobsConfig)).toMatchObject({ runsWorkers: false, servesApi: true });
      expect(withEnv({ APP_ROLE: 'worker' }, jobsConfig)).toMatchObject({ runsWorkers: true, servesApi: false });
    });

    it('refuses an unknown role and zero attempts', () => {
      expect(() => withEnv({ APP_ROLE: 'both' }, jobsConfig)).toThrow(/APP_ROLE/);
      expect(() => withEnv({ JOBS_ATTEMPTS: '0' }, jobsConfig)).toThrow(/JOBS_ATTEMPTS/);
    });
  });

  describe('idempotency', () => {
    it('keeps answers 24h, lets a duplicate wait 10s and a dead request hold its key 60s', () => {
      const secret = strongSecret('refresh');
      expect(withEnv({ JWT_REFRESH_SECRET: secret }, idempotencyConfig)).toEqual({
        ttlMs: 86_400_000,
        waitMs: 10_000,
        lockTtlMs: 60_000,
        secret,
      });
    });

    it('refuses a wait or a lock outside the range that keeps requests bounded', () => {
      expect(() => withEnv({ IDEMPOTENCY_WAIT: '10m' }, idempotencyConfig)).toThrow(/IDEMPOTENCY_WAIT/);
      expect(() => withEnv({ IDEMPOTENCY_LOCK_TTL: '10ms' }, idempotencyConfig)).toThrow(/IDEMPOTENCY_LOCK_TTL/);
      expect(() => withEnv({ IDEMPOTENCY_TTL: 'forever' }, idempotencyConfig)).toThrow(/IDEMPOTENCY_TTL/);
    });
  });
});

describe('ConfigModule as AppModule sets it up', () => {
  /** Sets ConfigModule up on exactly `env`; reports what process.env held once the app was built. */
  async function configure(env: Record<string, string>) {
    const saved = process.env;
    process.env = { ...env };
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [ConfigModule.forRoot(configModuleOptions)],
      }).compile();
      return {
        sut: moduleRef.get<ConfigService<Env, true>>(ConfigService),
        auth: moduleRef.get<AuthConfig>(authConfig.KEY),
        envAfter: { ...process.env },
      };
    } finally {
      process.env = saved;
    }
  }

  it('answers ConfigService.get with the parsed value, not the raw string', async () => {
    const { sut } = await configure({
      PORT: '8080',
      CORS_ORIGINS: 'https://app.example.com',
      THROTTLE_FAIL_CLOSED: 'yes',
      JWT_ACCESS_TTL: '5m',
    });

    expect(sut.get('PORT', { infer: true })).toBe(8080);
    expect(sut.getOrThrow('CORS_ORIGINS', { infer: true })).toEqual(['https://app.example.com']);
    expect(sut.get('THROTTLE_FAIL_CLOSED', { infer: true })).toBe(true);
    expect(sut.get('JWT_ACCESS_TTL', { infer: true })).toBe(300_000);
  });

  it('answers ConfigService.get with the default of a variable that is unset', async () => {
    const { sut } = await configure({});

    expect(sut.get('PORT', { infer: true })).toBe(3000);
    expect(sut.get('NODE_ENV', { infer: true })).toBe('development');
    expect(sut.get('JWT_ACCESS_TTL', { infer: true })).toBe(900_000);
    expect(sut.get('DATABASE_READ_URLS', { infer: true })).toEqual([]);
    expect(sut.get('DATABASE_URL', { infer: true })).toBeUndefined();
  });

  it('writes no parsed value into process.env, so the namespaces read the durations the environment gave', async () => {
    const { auth, envAfter } = await configure({ JWT_REFRESH_TTL: '1d' });

    expect(envAfter).toEqual({ JWT_REFRESH_TTL: '1d' });
    expect(auth).toMatchObject({ accessTtlMs: 900_000, refreshTtlMs: 86_400_000 });
  });

  it('stops on an invalid environment, naming the variable', async () => {
    await expect(configure({ PORT: 'eighty' })).rejects.toThrow(/PORT: /);
  });
});
