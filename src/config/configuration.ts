import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigModuleOptions, ConfigType, registerAs } from '@nestjs/config';
import { databaseKindOf } from '@/config/database-driver';
import { Env, parseEnv, validateEnv } from './env.schema';

/**
 * Typed configuration namespaces. Each is derived from the validated environment, so a
 * provider injects exactly the slice it needs (`@Inject(authConfig.KEY)`) and reads it
 * with full types instead of string keys.
 */

/** Generated once per process: in development a missing JWT secret must not change between namespaces. */
const devSecrets = {
  access: randomBytes(48).toString('base64url'),
  refresh: randomBytes(48).toString('base64url'),
};

function sqlitePath(url: string | undefined): string {
  const file = url?.replace(/^sqlite:(\/\/)?/, '') || 'data/app.sqlite';
  return file === ':memory:' ? file : resolve(file);
}

export const appConfig = registerAs('app', () => {
  const env = parseEnv();
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    bodyLimit: env.BODY_LIMIT,
    // The OpenAPI document maps every route and field of the API: not published in production unless asked for.
    docsEnabled: env.DOCS_ENABLED ?? env.NODE_ENV !== 'production',
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    consulAddress: env.CONSUL_HTTP_ADDR,
    consulToken: env.CONSUL_HTTP_TOKEN,
    consulServiceAddress: env.CONSUL_SERVICE_ADDRESS,
    consulCheckIntervalMs: env.CONSUL_CHECK_INTERVAL,
    serviceName: env.OTEL_SERVICE_NAME,
  };
});

export const databaseConfig = registerAs('database', () => {
  const env = parseEnv();
  // parseEnv refuses a DATABASE_URL that selects no store, so there is a kind.
  const kind = databaseKindOf(env.DATABASE_URL)!;
  return {
    kind,
    url: kind === 'sqlite' ? undefined : env.DATABASE_URL,
    sqlitePath: kind === 'sqlite' ? sqlitePath(env.DATABASE_URL) : undefined,
    readUrls: env.DATABASE_READ_URLS,
    poolSize: env.DATABASE_POOL_SIZE,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT,
    slowQueryMs: env.DATABASE_SLOW_QUERY_MS,
  };
});

export const redisConfig = registerAs('redis', () => {
  const env = parseEnv();
  return {
    url: env.REDIS_URL,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    sentinels: env.REDIS_SENTINELS,
    sentinelName: env.REDIS_SENTINEL_NAME,
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT,
    enabled: Boolean(env.REDIS_URL || env.REDIS_CLUSTER_NODES.length || env.REDIS_SENTINELS.length),
  };
});

export const authConfig = registerAs('auth', () => {
  const env = parseEnv();
  return {
    accessSecret: env.JWT_ACCESS_SECRET ?? devSecrets.access,
    refreshSecret: env.JWT_REFRESH_SECRET ?? devSecrets.refresh,
    secretsGenerated: env.JWT_ACCESS_SECRET === undefined || env.JWT_REFRESH_SECRET === undefined,
    accessTtlMs: env.JWT_ACCESS_TTL,
    refreshTtlMs: env.JWT_REFRESH_TTL,
    sessionMaxAgeMs: env.JWT_SESSION_MAX_AGE,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    // How often each instance writes the sessions' lastUsedAt it saw (LastUsedRecorder).
    lastUsedFlushIntervalMs: env.SESSIONS_LAST_USED_FLUSH_INTERVAL,
    adminEmail: env.ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD,
    loginMaxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginMaxFailuresPerClient: env.LOGIN_MAX_FAILURES_PER_CLIENT,
    loginMaxFailuresPerAccountTotal: env.LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL,
    loginFailureWindowMs: env.LOGIN_FAILURE_WINDOW,
    // Refuse password checks (503) rather than run them uncounted while Redis is down.
    loginFailClosed: env.LOGIN_FAIL_CLOSED,
    // Default: leave one core to the event loop, so hashing never starves request handling.
    hashConcurrency: env.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    // Hashing threads yield the CPU to the event loop and the database (0 = normal priority).
    hashNice: env.PASSWORD_HASH_NICE,
    // Hashes waiting for a thread beyond this are refused with 503 rather than queued without end.
    hashQueueMax: env.PASSWORD_HASH_QUEUE_MAX,
  };
});

export const throttleConfig = registerAs('throttle', () => {
  const env = parseEnv();
  return {
    limit: env.THROTTLE_LIMIT,
    ttlMs: env.THROTTLE_TTL,
    failClosed: env.THROTTLE_FAIL_CLOSED,
    registerLimit: env.THROTTLE_REGISTER_LIMIT,
    registerTtlMs: env.THROTTLE_REGISTER_TTL,
  };
});

export const mailConfig = registerAs('mail', () => {
  const env = parseEnv();
  return {
    /** Unset: the log transport (see MailModule). Holds the SMTP password: never log it. */
    smtpUrl: env.SMTP_URL,
    // Connecting, the greeting and every later reply each get this long, so a dead server fails an attempt fast.
    timeoutMs: env.SMTP_TIMEOUT,
    from: env.MAIL_FROM,
    // Without a trailing slash, so templates can write `${publicUrl}/page`.
    publicUrl: env.APP_PUBLIC_URL.replace(/\/+$/, ''),
  };
});

export const accountsConfig = registerAs('accounts', () => {
  const env = parseEnv();
  return {
    emailVerifyTtlMs: env.EMAIL_VERIFY_TTL,
    passwordResetTtlMs: env.PASSWORD_RESET_TTL,
    invitationTtlMs: env.INVITATION_TTL,
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
    // Each of forgot, resend and reset counts per client and per account in windows of this length.
    actionWindowMs: env.ACCOUNT_ACTION_WINDOW,
    actionLimitPerClient: env.ACCOUNT_ACTION_LIMIT_PER_CLIENT,
    actionLimitPerAccount: env.ACCOUNT_ACTION_LIMIT_PER_ACCOUNT,
    // Keys the hashes of one-time tokens; derived from the refresh secret, so no new secret to manage.
    tokenSecret: env.JWT_REFRESH_SECRET ?? devSecrets.refresh,
  };
});

export const idempotencyConfig = registerAs('idempotency', () => {
  const env = parseEnv();
  return {
    ttlMs: env.IDEMPOTENCY_TTL,
    waitMs: env.IDEMPOTENCY_WAIT,
    lockTtlMs: env.IDEMPOTENCY_LOCK_TTL,
    // Keys the encryption of stored answers (they may hold tokens); derived, so no new secret to manage.
    secret: env.JWT_REFRESH_SECRET ?? devSecrets.refresh,
  };
});

export const jobsConfig = registerAs('jobs', () => {
  const env = parseEnv();
  return {
    role: env.APP_ROLE,
    // `api` queues jobs for the workers of the cluster; `worker` and `all` run them.
    runsWorkers: env.APP_ROLE !== 'api',
    // `worker` serves only /health/* and /metrics (see configureApp).
    servesApi: env.APP_ROLE !== 'worker',
    attempts: env.JOBS_ATTEMPTS,
    backoffMs: env.JOBS_BACKOFF,
    concurrency: env.JOBS_CONCURRENCY,
    pollIntervalMs: env.JOBS_POLL_INTERVAL,
    keepCompleted: env.JOBS_KEEP_COMPLETED,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
});

export const maintenanceConfig = registerAs('maintenance', () => {
  const env = parseEnv();
  return {
    intervalMs: env.MAINTENANCE_INTERVAL,
    // Rows deleted per statement, and statements per table and run: a run never holds long locks.
    batchSize: env.MAINTENANCE_BATCH_SIZE,
    maxBatches: env.MAINTENANCE_MAX_BATCHES,
    sessionsRetentionMs: env.SESSIONS_RETENTION,
    refreshTokensRetentionMs: env.REFRESH_TOKENS_RETENTION,
    // A delivery record only has to outlive every retry of its job; after that it is personal data kept for nothing.
    mailDeliveriesRetentionMs: env.MAIL_DELIVERIES_RETENTION,
    sessionMaxAgeMs: env.JWT_SESSION_MAX_AGE,
  };
});

export type AppConfig = ConfigType<typeof appConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type RedisConfig = ConfigType<typeof redisConfig>;
export type AuthConfig = ConfigType<typeof authConfig>;
export type ThrottleConfig = ConfigType<typeof throttleConfig>;
export type MailConfig = ConfigType<typeof mailConfig>;
export type AccountsConfig = ConfigType<typeof accountsConfig>;
export type IdempotencyConfig = ConfigType<typeof idempotencyConfig>;
export type JobsConfig = ConfigType<typeof jobsConfig>;
export type MaintenanceConfig = ConfigType<typeof maintenanceConfig>;
export type { Env };

export const configNamespaces = [
  appConfig,
  databaseConfig,
  redisConfig,
  authConfig,
  throttleConfig,
  jobsConfig,
  mailConfig,
  accountsConfig,
  idempotencyConfig,
  maintenanceConfig,
];

/** How AppModule sets up ConfigModule: the environment is validated once, and ConfigService reads it parsed. */
export const configModuleOptions: ConfigModuleOptions = {
  isGlobal: true,
  ignoreEnvFile: true,
  load: configNamespaces,
  validate: validateEnv,
};
