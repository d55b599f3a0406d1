import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ProblemDto } from './problem.dto';

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or a field is invalid',
  401: 'Missing, invalid, expired or revoked credentials',
  403: 'Authenticated, but not allowed',
  404: 'No such resource',
  409: 'Conflicts with existing state',
  413: 'Request body too large',
  429: 'Rate limit exceeded; see Retry-After',
};

/** For a route that hashes a password: the 503 of a full hashing queue (PASSWORD_HASH_QUEUE_MAX). */
export const HASHING_BUSY: [number, string] = [
  503,
  'Password hashing is at capacity (hashing_busy); retry after the seconds in Retry-After',
];

/** For a route that checks a password: a full hashing queue, or attempts that cannot be counted. */
export const PASSWORD_CHECK_UNAVAILABLE: [number, string] = [
  503,
  'Password hashing is at capacity (hashing_busy), or password attempts cannot be counted ' +
    '(login_limit_unavailable, with LOGIN_FAIL_CLOSED); retry after the seconds in Retry-After',
];

/**
 * Documents error responses as `application/problem+json` problem details, so the
 * OpenAPI document shows consumers exactly what a failure looks like.
 * Pass a status, or `[status, description]` for a route-specific meaning.
 */
export function ApiProblems(...responses: Array<number | [number, string]>) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...responses.map((entry) => {
      const [status, description] = Array.isArray(entry)
        ? entry
        : [entry, DEFAULT_DESCRIPTIONS[entry] ?? STATUS_CODES[entry] ?? 'Error'];
      return ApiResponse({
        status,
        description,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      });
    }),
  );
}
