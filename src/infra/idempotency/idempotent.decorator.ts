import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiExtension } from '@nestjs/swagger';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { IDEMPOTENT_EXTENSION } from '@/common/swagger/openapi-conventions';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-key';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * A state-changing route a client may retry safely: it accepts `Idempotency-Key`
 * (IdempotencyInterceptor), and the OpenAPI document says so, with the header, the
 * problems it adds and `Idempotent-Replayed` on every answer (openapi-conventions.ts).
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        'A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL ' +
        'replay the first answer instead of running again, on any instance. Per route and caller ' +
        '(anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII ' +
        'characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.',
      schema: { type: 'string', minLength: 1, maxLength: 257, pattern: '^[\\x20-\\x7e]+$' },
    }),
    ApiExtension(IDEMPOTENT_EXTENSION, true),
    ApiProblems(
      'invalid_idempotency_key',
      'idempotency_key_reused',
      'idempotency_in_progress',
      'idempotency_unavailable',
    ),
  );
