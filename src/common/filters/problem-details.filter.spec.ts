import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import {
  ConflictProblem,
  MethodNotAllowedProblem,
  ProblemDetails,
  RetryLaterProblem,
  ServiceUnavailableProblem,
  ValidationProblem,
} from '@/common/http/problem';
import type { HttpReply, HttpRequest } from '@/common/http/platform';
import { automock } from '@test/support/automock';
import { QueryFailedError } from 'typeorm';
import { DATABASE_RETRY_AFTER_S, ProblemDetailsFilter } from './problem-details.filter';

interface FakeResponse {
  headersSent: boolean;
  statusCode?: number;
  contentType?: string;
  body?: string;
  ended: boolean;
  headers: Map<string, string>;
}

const buildRequest = (overrides: Partial<HttpRequest> = {}) =>
  ({
    id: 'req-1',
    method: 'GET',
    url: '/api/v1/things?x=1',
    originalUrl: '/api/v1/things?x=1',
    ...overrides,
  }) as HttpRequest;

function hostFor(req: HttpRequest, headersSent = false): { host: ArgumentsHost; res: FakeResponse } {
  const res: FakeResponse = { headersSent, ended: false, headers: new Map() };
  type FakeReply = HttpReply & { headersSent: boolean; end(): unknown };
  const response: FakeReply = automock<FakeReply>('Response', {
    get headersSent() {
      return res.headersSent;
    },
    status(code) {
      res.statusCode = code;
      return response;
    },
    send(body) {
      res.body = body as string;
      return response;
    },
    end() {
      res.ended = true;
      return response;
    },
    header(name: string, value: string) {
      if (name === 'Content-Type') res.contentType = value;
      else res.headers.set(name, value);
      return response;
    },
  });
  const http = automock<ReturnType<ArgumentsHost['switchToHttp']>>('HttpArgumentsHost', {
    getRequest: () => req,
    getResponse: () => response,
  });
  const host = automock<ArgumentsHost>('ArgumentsHost', { switchToHttp: () => http });
  return { host, res };
}

describe(ProblemDetailsFilter.name, () => {
  let sut: ProblemDetailsFilter;
  let logged: jest.SpyInstance;

  beforeEach(() => {
    sut = new ProblemDetailsFilter();
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const problemFor = (exception: unknown, req = buildRequest()): ProblemDetails => {
    const { host, res } = hostFor(req);
    sut.catch(exception, host);
    expect(res.contentType).toBe('application/problem+json; charset=utf-8');
    const body = JSON.parse(res.body!) as ProblemDetails;
    expect(res.statusCode).toBe(body.status);
    return body;
  };

  it('answers a typed problem with its status, code, detail, field errors, request id and instance', () => {
    const errors = [{ field: 'email', message: 'must be an email' }];

    expect(problemFor(new ValidationProblem(errors))).toEqual({
      type: '/problems/validation_failed',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is not valid; see errors for each field.',
      instance: '/api/v1/things?x=1',
      requestId: 'req-1',
      errors,
    });
    expect(problemFor(new ConflictProblem('email_taken', 'Taken.'))).not.toHaveProperty('errors');
    expect(logged).not.toHaveBeenCalled();
  });

  it('sends Retry-After for a problem that says when to retry, and for no other', () => {
    const { host, res } = hostFor(buildRequest());
    sut.catch(new RetryLaterProblem(HttpStatus.TOO_MANY_REQUESTS, 'too_many_login_failures', 'Wait.', 42), host);
    expect(res.statusCode).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('42');

    const other = hostFor(buildRequest());
    sut.catch(new ConflictProblem('email_taken', 'd'), other.host);
    expect(other.res.headers.size).toBe(0);
  });

  it('answers a wrong method with a 405 problem and the methods to use in Allow', () => {
    const { host, res } = hostFor(buildRequest({ method: 'PUT', originalUrl: '/api/v1/users/me' }));
    sut.catch(new MethodNotAllowedProblem('PUT', '/api/v1/users/me', ['GET', 'HEAD', 'PATCH', 'DELETE']), host);

    expect(res.statusCode).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD, PATCH, DELETE');
    expect(res.contentType).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(res.body ?? '')).toEqual({
      type: '/problems/method_not_allowed',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'PUT is not supported on /api/v1/users/me; use GET, HEAD, PATCH or DELETE.',
      instance: '/api/v1/users/me',
      requestId: 'req-1',
    });
  });

  it('falls back to the plain url when there is no originalUrl', () => {
    const req = buildRequest({ originalUrl: undefined, url: '/plain' });

    expect(problemFor(new ConflictProblem('email_taken', 'd'), req).instance).toBe('/plain');
  });

  it("joins an HttpException's message list, and keeps a string message", () => {
    expect(problemFor(new BadRequestException(['a is wrong', 'b is missing']))).toMatchObject({
      status: 400,
      type: '/problems/bad_request',
      detail: 'a is wrong; b is missing',
    });
    expect(problemFor(new HttpException('Slow down', HttpStatus.TOO_MANY_REQUESTS))).toMatchObject({
      status: 429,
      type: '/problems/rate_limited',
      detail: 'Slow down',
    });
  });

  it("uses the exception's own message when its response object carries no usable message", () => {
    const exception = new HttpException({ reason: 'teapot' }, HttpStatus.CONFLICT);

    expect(problemFor(exception)).toMatchObject({ status: 409, type: '/problems/conflict', detail: exception.message });
  });

  it.each([418, 499])(
    'answers a framework exception of unregistered status %i as the bug it is: a bare 500',
    (status) => {
      expect(problemFor(new HttpException('Client closed request', status))).toMatchObject({
        status: 500,
        title: STATUS_CODES[500],
        type: '/problems/internal_error',
        detail: 'The request failed. Quote the request id when reporting it.',
      });
    },
  );

  it('names the method and path of an unrouted request instead of echoing express', () => {
    const req = buildRequest({ method: 'DELETE', url: '/nowhere?x=1', originalUrl: '/nowhere?x=1' });

    expect(problemFor(new NotFoundException('Cannot DELETE /nowhere'), req)).toMatchObject({
      status: 404,
      type: '/problems/not_found',
      detail: 'No route matches DELETE /nowhere.',
    });
    expect(problemFor(new NotFoundException('No such user'), req).detail).toBe('No such user');
  });

  it('hides the detail of a 5xx HttpException and logs it', () => {
    const body = problemFor(new ServiceUnavailableException('pool exhausted on db-3'));

    expect(body).toMatchObject({ status: 503, type: '/problems/service_unavailable' });
    expect(body.detail).not.toContain('db-3');
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ requestId: 'req-1' }), 'pool exhausted on db-3');
  });

  it('logs a 503 refusal the service chose as a warning without a stack, not as a failure', () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { host } = hostFor(buildRequest());

    sut.catch(new RetryLaterProblem(HttpStatus.SERVICE_UNAVAILABLE, 'hashing_busy', 'Busy.', 3), host);

    expect(logged).not.toHaveBeenCalled();
    expect(warned).toHaveBeenCalledWith({ requestId: 'req-1', code: 'hashing_busy' }, 'Busy.');
  });

  it('sends Retry-After with a 503 that says when to retry, and none with one that does not know', () => {
    const busy = hostFor(buildRequest());
    sut.catch(
      new RetryLaterProblem(HttpStatus.SERVICE_UNAVAILABLE, 'hashing_busy', 'Busy; retry later.', 3),
      busy.host,
    );
    expect(busy.res.statusCode).toBe(503);
    expect(busy.res.headers.get('Retry-After')).toBe('3');
    expect(JSON.parse(busy.res.body!)).toMatchObject({
      type: '/problems/hashing_busy',
      detail: 'Busy; retry later.',
    });

    const unknown = hostFor(buildRequest());
    sut.catch(new ServiceUnavailableProblem(), unknown.host);
    expect(unknown.res.headers.size).toBe(0);
  });

  // Which driver errors mean "unavailable" is database-driver.spec.ts's subject; these are one of each kind.
  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', '57P01'])(
    'answers 503 database_unavailable for a driver error with code %s',
    (code) => {
      const error = Object.assign(new Error('driver says no'), { code });

      expect(problemFor(error)).toMatchObject({
        status: 503,
        type: '/problems/database_unavailable',
        detail: 'The database is unavailable; try again shortly.',
      });
    },
  );

  it('says when to retry a database outage, and logs it with its stack', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
    const { host, res } = hostFor(buildRequest());

    sut.catch(error, host);

    expect(res.statusCode).toBe(503);
    expect(res.headers.get('Retry-After')).toBe(String(DATABASE_RETRY_AFTER_S));
    expect(logged).toHaveBeenCalledWith({ err: error, requestId: 'req-1' }, 'connect ECONNREFUSED 10.0.0.5:5432');
  });

  it.each([
    ['PostgreSQL', Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' })],
    [
      'MySQL',
      Object.assign(
        new Error('The MySQL server is running with the --read-only option so it cannot execute this statement'),
        { code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 },
      ),
    ],
  ])('answers a write refused by a read-only %s server 503 with Retry-After, warning without a stack', (_, error) => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { host, res } = hostFor(buildRequest());

    sut.catch(error, host);

    expect(res.statusCode).toBe(503);
    expect(res.headers.get('Retry-After')).toBe(String(DATABASE_RETRY_AFTER_S));
    const body = JSON.parse(res.body!) as ProblemDetails;
    expect(body).toMatchObject({
      type: '/problems/database_unavailable',
      detail: 'The database accepts no writes right now; try again shortly.',
      requestId: 'req-1',
    });
    expect(JSON.stringify(body)).not.toMatch(/read-only|INSERT|MySQL/);
    expect(logged).not.toHaveBeenCalled();
    expect(warned).toHaveBeenCalledWith(
      { requestId: 'req-1', code: 'database_unavailable' },
      `The database refused a write as read-only: ${error.message}`,
    );
  });

  it.each(['Connection terminated unexpectedly', 'Pool is closed.'])(
    'answers 503 database_unavailable for a driver error saying "%s"',
    (message) => {
      expect(problemFor(new Error(message)).type).toBe('/problems/database_unavailable');
    },
  );

  it('answers 503 database_unavailable when a reply missed the client-side query timeout', () => {
    const timedOut = new QueryFailedError('SELECT 1', [], new Error('Query read timeout'));

    expect(problemFor(timedOut)).toMatchObject({ status: 503, type: '/problems/database_unavailable' });
  });

  it('tells a client refused for an unavailable database when to retry', () => {
    const { host, res } = hostFor(buildRequest());

    sut.catch(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }), host);

    expect(res.statusCode).toBe(503);
    expect(res.headers.get('Retry-After')).toBe(String(DATABASE_RETRY_AFTER_S));
  });

  it('answers a bare 500 for an unknown error, logging it without leaking its message', () => {
    const error = Object.assign(new Error('SELECT * FROM secrets failed'), { code: 'SQLITE_ERROR' });

    const body = problemFor(error);

    expect(body).toMatchObject({ status: 500, type: '/problems/internal_error', title: 'Internal Server Error' });
    expect(JSON.stringify(body)).not.toContain('secrets');
    expect(logged).toHaveBeenCalledWith({ err: error, requestId: 'req-1' }, 'SELECT * FROM secrets failed');
  });

  it('answers a bare 500 when something that is not an Error is thrown', () => {
    expect(problemFor('just a string')).toMatchObject({ status: 500, type: '/problems/internal_error' });
    expect(problemFor({ code: 'ECONNREFUSED' }).status).toBe(500);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: 'just a string' }), 'Non-error thrown');
  });

  it('only ends a response whose headers are already sent, still logging the failure', () => {
    const { host, res } = hostFor(buildRequest(), true);

    sut.catch(new Error('stream broke'), host);

    expect(res.ended).toBe(true);
    expect(res.statusCode).toBeUndefined();
    expect(res.body).toBeUndefined();
    expect(logged).toHaveBeenCalledWith(expect.anything(), 'stream broke');
  });

  it('gives a generated request id to a request that bypassed the id middleware', () => {
    const req = buildRequest({ id: undefined });

    expect(problemFor(new ConflictProblem('email_taken', 'd'), req).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
