import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { AppConfig } from '@/config/configuration';
import { stdoutDestination } from './log-destination';
import { requestContextFields } from './request-context';
import { traceContextFields } from './trace-context';

const SECRET_FIELDS = ['password', 'currentPassword', 'newPassword', 'refreshToken', 'accessToken', 'passwordHash'];

/**
 * Redacted wherever they appear in a logged object: errors or ad-hoc log objects, up to
 * three levels deep (pino's redaction has no recursive wildcard). Requests are never
 * serialised whole; the header paths guard against someone logging a raw request.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export interface Loggers {
  /** Every line the application logs through Nest's `Logger`: redacted, with the request id inside a request. */
  root: Logger;
  /** The per-request completion lines, whose fields are fixed and need no redaction. */
  access: Logger;
}

/**
 * Two pino loggers on one destination: standard output written asynchronously, or
 * pino-pretty in development when it is installed (a transport runs in a worker thread).
 */
export function createLoggers(
  app: Pick<AppConfig, 'env' | 'logLevel'>,
  destination: DestinationStream = defaultDestination(app),
): Loggers {
  const common: LoggerOptions = { level: app.logLevel };
  return {
    root: pino(
      {
        ...common,
        mixin: () => ({ ...requestContextFields(), ...traceContextFields() }),
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      destination,
    ),
    access: pino({ ...common, mixin: traceContextFields }, destination),
  };
}

function defaultDestination(app: Pick<AppConfig, 'env'>): DestinationStream {
  return app.env === 'development' && isInstalled('pino-pretty')
    ? pino.transport({ target: 'pino-pretty', options: { singleLine: true } })
    : stdoutDestination();
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
