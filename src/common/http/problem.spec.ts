import { HttpStatus } from '@nestjs/common';
import {
  ConflictProblem,
  ForbiddenProblem,
  MethodNotAllowedProblem,
  NotFoundProblem,
  ProblemException,
  problemType,
  ServiceUnavailableProblem,
  UnauthorizedProblem,
  ValidationProblem,
} from './problem';

describe('typed problems', () => {
  it.each([
    ['ValidationProblem', new ValidationProblem([]), HttpStatus.BAD_REQUEST, 'validation_failed'],
    ['NotFoundProblem', new NotFoundProblem(), HttpStatus.NOT_FOUND, 'not_found'],
    ['UnauthorizedProblem', new UnauthorizedProblem(), HttpStatus.UNAUTHORIZED, 'unauthorized'],
    ['ForbiddenProblem', new ForbiddenProblem(), HttpStatus.FORBIDDEN, 'forbidden'],
    [
      'ServiceUnavailableProblem',
      new ServiceUnavailableProblem(),
      HttpStatus.SERVICE_UNAVAILABLE,
      'service_unavailable',
    ],
  ] as const)('%s carries status %i, code %s and a default detail', (_, sut, status, code) => {
    expect(sut).toBeInstanceOf(ProblemException);
    expect(sut.getStatus()).toBe(status);
    expect(sut.code).toBe(code);
    expect(sut.detail.length).toBeGreaterThan(10);
    expect(sut.message).toBe(sut.detail);
  });

  it('MethodNotAllowedProblem names the method, the path and the methods to use instead', () => {
    const one = new MethodNotAllowedProblem('PUT', '/api/v1/auth/login', ['POST']);
    const many = new MethodNotAllowedProblem('PUT', '/api/v1/users/me', ['GET', 'HEAD', 'PATCH', 'DELETE']);

    expect([one.getStatus(), one.code, one.allow]).toEqual([
      HttpStatus.METHOD_NOT_ALLOWED,
      'method_not_allowed',
      ['POST'],
    ]);
    expect(one.detail).toBe('PUT is not supported on /api/v1/auth/login; use POST.');
    expect(many.detail).toBe('PUT is not supported on /api/v1/users/me; use GET, HEAD, PATCH or DELETE.');
  });

  it('keeps the detail and code a caller gives', () => {
    const unauthorized = new UnauthorizedProblem('Token expired.', 'token_expired');
    const unavailable = new ServiceUnavailableProblem('Redis is down.', 'rate_limit_unavailable');
    const validation = new ValidationProblem([{ field: 'name', message: 'too long' }], 'Name is too long.');

    expect([unauthorized.code, unauthorized.detail]).toEqual(['token_expired', 'Token expired.']);
    expect([unavailable.code, unavailable.detail]).toEqual(['rate_limit_unavailable', 'Redis is down.']);
    expect([validation.detail, validation.errors]).toEqual([
      'Name is too long.',
      [{ field: 'name', message: 'too long' }],
    ]);
    expect(new NotFoundProblem('No such user.').detail).toBe('No such user.');
    expect(new ForbiddenProblem('Admins only.').detail).toBe('Admins only.');
    expect(new ConflictProblem('email_taken', 'Taken.')).toMatchObject({ code: 'email_taken', detail: 'Taken.' });
  });

  it('names a problem type by its stable code', () => {
    expect(problemType('email_taken')).toBe('/problems/email_taken');
  });
});
