import { HttpStatus } from '@nestjs/common';
import { RetryLaterProblem } from '@/common/http/problem';
import { REDIS_RETRY_AFTER_S } from '@/infra/redis/redis-outage';

/**
 * 503 `mail_unavailable` for an account mail the job store refused (Redis or the database
 * down). The request asked for that mail, so it fails as a whole, and the client retries
 * after about one reconnect of the store's client.
 */
export class MailUnavailableProblem extends RetryLaterProblem {
  constructor(detail: string) {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'mail_unavailable', detail, REDIS_RETRY_AFTER_S);
  }
}
