import { z } from 'zod';
import { databaseKindOf, isServerUrl } from '@/config/database-driver';
import { passwordWeakness } from '@/common/passwords/password-strength';
import { parseDurationMs } from './duration';

/**
 * Every environment variable the service reads, with its default and its rules, in one
 * place. The parsed result is what the typed config namespaces are built from, so a
 * variable that is not declared here cannot be read by the application.
 */

const PLACEHOLDER_SECRET = /change.?me|changeit|secret|example|placeholder|your[-_]|xxx|todo/i;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const list = (item: z.ZodType<string>, label: string) =>
  optionalString.transform((value, ctx) => {
    if (value === undefined) return [] as string[];
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of items) {
      if (!item.safeParse(entry).success) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not ${label}` });
      }
    }
    return items;
  });

/** A duration in ms; `range` bounds it where a tiny or huge value would harm the process. */
const duration = (fallback: string, range?: { min: string; max: string }) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a duration like 500ms, 60s, 15m, 12h or 7d`,
        });
        return z.NEVER;
      }
      if (range && (ms < parseDurationMs(range.min)! || ms > parseDurationMs(range.max)!)) {
        ctx.addIssue({ code: 'custom', message: `must be between ${range.min} and ${range.max}` });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** An integer that may be left unset (or empty), with no default. */
const optionalInteger = (min: number, max: number) =>
  optionalString.pipe(z.coerce.number<string>().int().min(min).max(max).optional());

const booleanWord = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', '']).optional();
const isTrue = (word: string) => ['true', '1', 'yes', 'on'].includes(word);

const boolean = (fallback: boolean) =>
  booleanWord.transform((v) => (v === undefined || v === '' ? fallback : isTrue(v)));

/** A switch whose default depends on another variable: undefined while unset (or empty). */
const optionalBoolean = booleanWord.transform((v) => (v === undefined || v === '' ? undefined : isTrue(v)));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const databaseUrl = optionalString.refine(
  (value) => value === undefined || databaseKindOf(value) !== undefined,
  'must be postgres://…, mysql://… or sqlite:<file>',
);

/**
 * A sender as a header would carry it: `addr@host` or `Name <addr@host>`. No line breaks,
 * which would let the value add headers of its own. `localhost` counts as a host: the
 * development default is `no-reply@localhost`.
 */
const mailbox = z
  .string()
  .trim()
  .regex(/^(?:[^\r\n<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be addr@host or "Name <addr@host>"');

const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/);

/**
 * `TRUST_PROXY`: off, a hop count, or a list of trusted addresses/subnets. `true` means the
 * one load balancer in front (one hop), never "every hop": trusting every hop would make the
 * leftmost X-Forwarded-For entry, which any client can write, the client address.
 */
const trustProxy = optionalString.transform((value, ctx): false | number | string[] => {
  if (value === undefined || ['false', '0', 'off', 'no'].includes(value)) return false;
  if (['true', 'on', 'yes'].includes(value)) return 1;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim());
  if (entries.every((e) => /^(loopback|linklocal|uniquelocal|[0-9a-f.:]+(\/\d{1,3})?)$/i.test(e))) {
    return entries;
  }
  ctx.addIssue({
    code: 'custom',
    message: 'must be false, true (one hop), a hop count, or a comma-separated list of addresses/CIDRs',
  });
  return z.NEVER;
});

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: integer(3000, 0, 65535),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // The HTTP platform under Nest; both serve the same API the same way (see docs/architecture.md).
    HTTP_ADAPTER: z.enum(['express', 'fastify']).default('express'),
    TRUST_PROXY: trustProxy,
    CORS_ORIGINS: list(url(['http:', 'https:']), 'an http(s) origin'),
    // Node checks these timeouts about once a second (see http-timeouts.ts): below 1s they
    // would cut honest requests, above 10m they no longer bound a slow body.
    HTTP_REQUEST_TIMEOUT: duration('30s', { min: '1s', max: '10m' }),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must be a size like 100kb')
      .default('100kb'),
    // Unset: on, except in production (see appConfig.docsEnabled).
    DOCS_ENABLED: optionalBoolean,

    DATABASE_URL: databaseUrl,
    DATABASE_READ_URLS: list(z.string().refine(isServerUrl), 'a database URL'),
    DATABASE_POOL_SIZE: integer(10, 1, 500),
    DATABASE_CONNECT_TIMEOUT: duration('5s'),
    DATABASE_STATEMENT_TIMEOUT: duration('10s'),
    DATABASE_SLOW_QUERY_MS: integer(500, 1, 600_000),

    REDIS_URL: optionalString.pipe(url(['redis:', 'rediss:']).optional()),
    REDIS_CLUSTER_NODES: list(hostPort, 'host:port'),
    REDIS_SENTINELS: list(hostPort, 'host:port'),
    REDIS_SENTINEL_NAME: z.string().trim().default('mymaster'),
    REDIS_KEY_PREFIX: z.string().trim().default('app:'),
    REDIS_COMMAND_TIMEOUT: duration('1s'),

    JWT_ACCESS_SECRET: optionalString,
    JWT_REFRESH_SECRET: optionalString,
    JWT_ACCESS_TTL: duration('15m'),
    JWT_REFRESH_TTL: duration('7d'),
    JWT_SESSION_MAX_AGE: duration('30d'),
    JWT_ISSUER: z.string().trim().min(1).default('nest-enterprise-backend'),
    JWT_AUDIENCE: z.string().trim().min(1).default('nest-enterprise-backend-api'),
    SESSIONS_LAST_USED_FLUSH_INTERVAL: duration('60s', { min: '100ms', max: '1h' }),

    ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
    ADMIN_PASSWORD: optionalString.pipe(z.string().min(8).max(128).optional()),

    THROTTLE_LIMIT: integer(100, 1, 1_000_000),
    THROTTLE_TTL: duration('60s'),
    THROTTLE_FAIL_CLOSED: boolean(false),
    THROTTLE_REGISTER_LIMIT: integer(10, 1, 1_000_000),
    THROTTLE_REGISTER_TTL: duration('60s'),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(5, 1, 10_000),
    LOGIN_MAX_FAILURES_PER_CLIENT: integer(20, 1, 100_000),
    LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL: integer(100, 1, 1_000_000),
    LOGIN_FAILURE_WINDOW: duration('15m'),
    LOGIN_FAIL_CLOSED: boolean(false),
    PASSWORD_HASH_CONCURRENCY: optionalInteger(1, 64),
    PASSWORD_HASH_NICE: integer(10, 0, 19),
    PASSWORD_HASH_QUEUE_MAX: integer(32, 0, 100_000),

    // Unset: mails are written to the log (MailModule warns at boot in production).
    SMTP_URL: optionalString.pipe(url(['smtp:', 'smtps:']).optional()),
    SMTP_TIMEOUT: duration('5s'),
    MAIL_FROM: mailbox.default('no-reply@localhost'),
    APP_PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),

    EMAIL_VERIFY_TTL: duration('24h', { min: '1m', max: '30d' }),
    PASSWORD_RESET_TTL: duration('30m', { min: '1m', max: '24h' }),
    INVITATION_TTL: duration('72h', { min: '1m', max: '30d' }),
    REQUIRE_VERIFIED_EMAIL: boolean(false),
    ACCOUNT_ACTION_WINDOW: duration('1h'),
    ACCOUNT_ACTION_LIMIT_PER_CLIENT: integer(10, 1, 1_000_000),
    ACCOUNT_ACTION_LIMIT_PER_ACCOUNT: integer(3, 1, 1_000_000),

    // Answers to requests with an Idempotency-Key: kept this long, waited for this long by a
    // duplicate, and reserved this long by a request that never finishes (its process died).
    IDEMPOTENCY_TTL: duration('24h', { min: '1m', max: '30d' }),
    IDEMPOTENCY_WAIT: duration('10s', { min: '100ms', max: '5m' }),
    IDEMPOTENCY_LOCK_TTL: duration('60s', { min: '1s', max: '1h' }),

    OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(url(['http:', 'https:']).optional()),
    OTEL_SERVICE_NAME: z.string().trim().default('nest-enterprise-backend'),
    CONSUL_HTTP_ADDR: optionalString,
    CONSUL_HTTP_TOKEN: optionalString,
    CONSUL_SERVICE_ADDRESS: optionalString,
    CONSUL_CHECK_INTERVAL: duration('10s'),

    SHUTDOWN_DELAY_MS: integer(5_000, 0, 300_000),
    SHUTDOWN_TIMEOUT_MS: integer(20_000, 0, 600_000),

    APP_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    JOBS_ATTEMPTS: integer(8, 1, 100),
    JOBS_BACKOFF: duration('1s'),
    JOBS_CONCURRENCY: integer(4, 1, 1_000),
    JOBS_POLL_INTERVAL: duration('250ms'),
    JOBS_KEEP_COMPLETED: integer(500, 0, 1_000_000),
    MAINTENANCE_INTERVAL: duration('1h'),
    MAINTENANCE_BATCH_SIZE: integer(1_000, 1, 100_000),
    MAINTENANCE_MAX_BATCHES: integer(100, 1, 1_000_000),
    SESSIONS_RETENTION: duration('7d'),
    REFRESH_TOKENS_RETENTION: duration('1h'),
    MAIL_DELIVERIES_RETENTION: duration('7d', { min: '1h', max: '365d' }),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    for (const key of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET'] as const) {
      const secret = env[key];
      if (secret === undefined) {
        if (production) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
        continue;
      }
      if (secret.length < 32) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be at least 32 characters' });
      } else if (production && (PLACEHOLDER_SECRET.test(secret) || new Set(secret).size < 8)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'looks like a placeholder; use a random value' });
      }
    }
    if (env.JWT_ACCESS_SECRET && env.JWT_ACCESS_SECRET === env.JWT_REFRESH_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_REFRESH_SECRET'], message: 'must differ from JWT_ACCESS_SECRET' });
    }
    // The refresh lifetime is capped by the session's end instead; an access token cannot be.
    if (env.JWT_SESSION_MAX_AGE < env.JWT_ACCESS_TTL) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SESSION_MAX_AGE'],
        message: 'must be at least JWT_ACCESS_TTL, or a fresh login would outlive its session',
      });
    }
    const adminWeakness = env.ADMIN_PASSWORD === undefined ? undefined : passwordWeakness(env.ADMIN_PASSWORD);
    if (production && adminWeakness) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: `${adminWeakness}; choose a stronger one` });
    }
    if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
      const missing = env.ADMIN_EMAIL === undefined ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set together with the other ADMIN_ variable' });
    }
    const redisModes = [env.REDIS_URL, env.REDIS_CLUSTER_NODES.length, env.REDIS_SENTINELS.length].filter(Boolean);
    if (redisModes.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS',
      });
    }
    if (env.DATABASE_READ_URLS.length > 0 && !isServerUrl(env.DATABASE_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_READ_URLS'],
        message: 'needs DATABASE_URL to name a PostgreSQL or MySQL primary',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Thrown when the environment is invalid; its message names every bad variable. */
export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/** A refused value is shown to help, but a URL's password (`//user:secret@host`) never is. */
const withoutUrlPasswords = (text: string): string => text.replace(/(\/\/[^/\s:@"]*:)[^@\s/"]*@/g, '$1***@');

/** Validates the raw environment, collecting every problem rather than stopping at the first. */
export function parseEnv(raw: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || 'environment';
    const value = raw[variable];
    const shown = value === undefined || /SECRET|PASSWORD/.test(variable) ? '' : ` (got "${value}")`;
    return withoutUrlPasswords(`${variable}: ${issue.message}${shown}`);
  });
  throw new InvalidConfigError(problems);
}

/**
 * ConfigModule's `validate` hook, so that ConfigService answers with the parsed, defaulted
 * values (`get('PORT')` is a number, also when PORT is unset). @nestjs/config copies each
 * scalar of the result whose variable is unset into process.env, and the parsed form must
 * not land there: the namespaces parse process.env again, and would read a duration in ms
 * (JWT_ACCESS_TTL=900000) as seconds. Handed over as the prototype of an empty object, the
 * values are read through by ConfigService and skipped by that copy, which takes own keys only.
 */
export function validateEnv(raw: Record<string, string | undefined>): Env {
  return Object.create(parseEnv(raw)) as Env;
}
