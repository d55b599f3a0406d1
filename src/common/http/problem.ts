import { HttpException, HttpStatus } from '@nestjs/common';
import type { ProblemCode } from './problem-types';

export { problemType } from './problem-types';

/** One invalid input field, as listed in a validation problem's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/** The RFC 9457 body every error response carries (README.md, "Errors"). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
}

/**
 * An expected failure with a stable machine-readable `code`. Services throw these for
 * normal cases (taken email, wrong password, not found) so the global filter can answer
 * them without guessing; anything else is treated as a bug and answered as a bare 500.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail, status);
  }
}

/** 400 with one entry per invalid field; thrown by the global ValidationPipe. */
export class ValidationProblem extends ProblemException {
  constructor(errors: FieldError[], detail = 'The request is not valid; see errors for each field.') {
    super(HttpStatus.BAD_REQUEST, 'validation_failed', detail, errors);
  }
}

/** 404; also used for records the caller may not see, so their existence is not revealed. */
export class NotFoundProblem extends ProblemException {
  constructor(detail = 'The resource does not exist.') {
    super(HttpStatus.NOT_FOUND, 'not_found', detail);
  }
}

/** 409 for a write that collides with existing state (a taken email), with its own stable code. */
export class ConflictProblem extends ProblemException {
  constructor(code: ProblemCode, detail: string) {
    super(HttpStatus.CONFLICT, code, detail);
  }
}

/** 401: missing, invalid, expired or revoked credentials; one body whatever the cause. */
export class UnauthorizedProblem extends ProblemException {
  constructor(
    detail = 'Authentication is required, or the credentials are not valid.',
    code: ProblemCode = 'unauthorized',
  ) {
    super(HttpStatus.UNAUTHORIZED, code, detail);
  }
}

/** 403: authenticated, but the role does not allow the action. */
export class ForbiddenProblem extends ProblemException {
  constructor(detail = 'You are not allowed to do this.') {
    super(HttpStatus.FORBIDDEN, 'forbidden', detail);
  }
}

/** 405: the path exists, the method does not; the global filter sends `allow` as the `Allow` header. */
export class MethodNotAllowedProblem extends ProblemException {
  constructor(
    method: string,
    path: string,
    readonly allow: readonly string[],
  ) {
    super(
      HttpStatus.METHOD_NOT_ALLOWED,
      'method_not_allowed',
      `${method} is not supported on ${path}; use ${orList(allow)}.`,
    );
  }
}

const orList = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : items.join('');

/** 503 for a dependency that is down or a resource at capacity; clients may retry, unlike a 500. */
export class ServiceUnavailableProblem extends ProblemException {
  constructor(detail = 'A dependency is unavailable; try again shortly.', code: ProblemCode = 'service_unavailable') {
    super(HttpStatus.SERVICE_UNAVAILABLE, code, detail);
  }
}

/**
 * A refusal that tells the client when to come back (a lock-out, a limiter that cannot
 * count): the global filter sends `retryAfterSeconds` as the `Retry-After` header, so a
 * service can refuse without holding the response.
 */
export class RetryLaterProblem extends ProblemException {
  constructor(
    status: HttpStatus.CONFLICT | HttpStatus.TOO_MANY_REQUESTS | HttpStatus.SERVICE_UNAVAILABLE,
    code: ProblemCode,
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(status, code, detail);
  }
}
