import { HttpException, HttpStatus } from '@nestjs/common';
import { json } from 'body-parser';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemException } from './problem';
import { PROBLEM_TYPES, ProblemCode } from './problem-types';

/** body-parser's errors carry a `type` such as `entity.parse.failed` or `entity.too.large`. */
interface BodyParserError {
  status: number;
  type: string;
}

/**
 * body-parser's own errors (`entity.*`, `charset.unsupported`, `encoding.unsupported`), and
 * decompression failures, which it passes on as http-errors with a 4xx status and no type.
 */
function isBodyParserError(error: unknown): error is BodyParserError {
  const e = error as (Partial<BodyParserError> & { expose?: unknown }) | null;
  if (typeof e?.status !== 'number' || error instanceof HttpException) return false;
  if (typeof e.type === 'string') return /^(entity|charset|encoding)\./.test(e.type);
  return e.expose === true && e.status >= 400 && e.status < 500;
}

const PROBLEMS: Record<string, [HttpStatus, ProblemCode, string]> = {
  'entity.parse.failed': [HttpStatus.BAD_REQUEST, 'malformed_json', 'The request body is not valid JSON.'],
  'entity.too.large': [
    HttpStatus.PAYLOAD_TOO_LARGE,
    'payload_too_large',
    'The request body is larger than the server accepts.',
  ],
  'charset.unsupported': [
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'unsupported_charset',
    'Send the request body as UTF-8 JSON.',
  ],
  'encoding.unsupported': [
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'unsupported_content_encoding',
    'The request body is compressed with an encoding the server does not accept (use gzip, deflate, br or none).',
  ],
};

/**
 * The problem for one of body-parser's errors, with our own wording, so parser internals
 * (positions, charsets) never reach the client; any other error is returned as it is.
 */
export function bodyParserProblem(error: unknown): unknown {
  if (!isBodyParserError(error)) return error;
  const [status, code, detail] = PROBLEMS[error.type] ?? [
    PROBLEM_TYPES.unreadable_body.status,
    'unreadable_body',
    'The request body could not be read.',
  ];
  return new ProblemException(status, code, detail);
}

/**
 * Parses JSON bodies (up to `limit`, of the types `isJson` accepts) with body-parser, on
 * either platform: it reads the Node.js request, so express and fastify parse the same
 * bodies the same way (charsets, gzip/deflate/br, limits) and refuse the same ones with the
 * same problems. Fastify is told to take the parsed body as it is (see fastify-platform.ts).
 */
export function jsonBodies(
  limit: string,
  isJson: (req: IncomingMessage) => boolean,
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const parse = json({ limit, type: isJson });
  return (req, res, next) => parse(req, res, (error?: unknown) => next(error ? bodyParserProblem(error) : undefined));
}
