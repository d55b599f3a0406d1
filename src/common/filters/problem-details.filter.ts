import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import {
  FieldError,
  MethodNotAllowedProblem,
  ProblemDetails,
  ProblemException,
  RetryLaterProblem,
} from '@/common/http/problem';
import { HttpReply, HttpRequest, nodeResponseOf } from '@/common/http/platform';
import { ProblemCode, problemType } from '@/common/http/problem-types';
import { requestIdOf } from '@/common/http/request-id';
import { isDatabaseReadOnly, isDatabaseUnavailable } from '@/config/database-driver';

/**
 * Retry-After of a 503 database_unavailable. The pool reconnects on the next request once
 * the path answers (a restarted server, a promoted standby, a repointed address), so this
 * only spaces out retries while it does not.
 */
export const DATABASE_RETRY_AFTER_S = 2;

/** Stable codes for the statuses Nest and express raise themselves. */
const CODE_BY_STATUS: Partial<Record<number, ProblemCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};

/**
 * The one place where errors become responses: every failure leaves as an RFC 9457
 * problem (`application/problem+json`) that carries the request id. Expected failures
 * keep their status and message; anything unknown is logged with its stack and answered
 * with a bare 500 so no internals (SQL, stack, driver messages) reach a client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    const res = http.getResponse<HttpReply>();
    const problem = this.toProblem(exception, req);

    if (exception instanceof RetryLaterProblem) {
      // A refusal the service chose (a full queue, a limiter that cannot count): no stack to read.
      if (problem.status >= 500)
        this.logger.warn({ requestId: problem.requestId, code: exception.code }, exception.detail);
    } else if (isDatabaseReadOnly(exception)) {
      // Expected while a failover repoints the database address; the stack would say nothing more.
      this.logger.warn(
        { requestId: problem.requestId, code: 'database_unavailable' },
        `The database refused a write as read-only: ${(exception as Error).message}`,
      );
    } else if (problem.status >= 500) {
      this.logger.error(
        { err: exception, requestId: problem.requestId },
        exception instanceof Error ? exception.message : 'Non-error thrown',
      );
    }
    const node = nodeResponseOf(res);
    if (node.headersSent) {
      node.end();
      return;
    }
    if (exception instanceof RetryLaterProblem) res.header('Retry-After', String(exception.retryAfterSeconds));
    else if (problem.type === problemType('database_unavailable'))
      res.header('Retry-After', String(DATABASE_RETRY_AFTER_S));
    if (exception instanceof MethodNotAllowedProblem) res.header('Allow', exception.allow.join(', '));
    res.status(problem.status);
    res.header('Content-Type', 'application/problem+json; charset=utf-8');
    res.send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, req: HttpRequest): ProblemDetails {
    const base = { instance: req.originalUrl ?? req.url, requestId: requestIdOf(req) };

    if (exception instanceof ProblemException) {
      return this.build(exception.getStatus(), exception.code, exception.detail, base, exception.errors);
    }
    // A framework exception of a status outside the registry is a bug: answered as one (a 500).
    const code = exception instanceof HttpException ? CODE_BY_STATUS[exception.getStatus()] : undefined;
    if (exception instanceof HttpException && code) {
      return this.build(exception.getStatus(), code, this.detailOf(exception, req), base);
    }
    if (isDatabaseReadOnly(exception)) {
      return this.build(
        503,
        'database_unavailable',
        'The database accepts no writes right now; try again shortly.',
        base,
      );
    }
    if (isDatabaseUnavailable(exception)) {
      return this.build(503, 'database_unavailable', 'The database is unavailable; try again shortly.', base);
    }
    return this.build(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'internal_error',
      'The request failed. Quote the request id when reporting it.',
      base,
    );
  }

  private detailOf(exception: HttpException, req: HttpRequest): string {
    const status = exception.getStatus();
    if (status === (HttpStatus.NOT_FOUND as number) && exception.message.startsWith('Cannot ')) {
      return `No route matches ${req.method} ${req.originalUrl.split('?')[0]}.`;
    }
    if (status >= 500) return 'The request failed. Quote the request id when reporting it.';
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
    if (Array.isArray(message)) return message.join('; ');
    return typeof message === 'string' ? message : exception.message;
  }

  private build(
    status: number,
    code: ProblemCode,
    detail: string,
    base: { instance: string; requestId: string },
    errors?: FieldError[],
  ): ProblemDetails {
    return {
      type: problemType(code),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      ...base,
      ...(errors ? { errors } : {}),
    };
  }
}
