import { HttpStatus } from '@nestjs/common';
import { RetryLaterProblem } from '@/common/http/problem';

/**
 * Every hashing thread is busy and the queue in front of them is full. A 503 the client may
 * retry after `retryAfterSeconds`, rather than a wait behind hashes that could take seconds:
 * a burst of sign-ups must not hold every login of the instance hostage.
 */
export class HashingBusyError extends RetryLaterProblem {
  constructor(retryAfterSeconds: number) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'hashing_busy',
      'Password hashing is at capacity; retry after the number of seconds in Retry-After.',
      retryAfterSeconds,
    );
  }
}
