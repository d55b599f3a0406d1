import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { from, Observable, of, switchMap } from 'rxjs';
import { ProblemException, RetryLaterProblem } from '@/common/http/problem';
import { HttpReply, HttpRequest, nodeRequestOf, nodeResponseOf } from '@/common/http/platform';
import { requestIdOf } from '@/common/http/request-id';
import { routeTemplateOf } from '@/common/http/route-template';
import { idempotencyConfig, IdempotencyConfig } from '@/config/configuration';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { REDIS_RETRY_AFTER_S, RedisOutageWarning } from '@/infra/redis/redis-outage';
import { AnswerSealer } from './answer-sealer';
import { idempotencyKeyOf, REPLAYED_HEADER, RequestFingerprints, storageKeyOf } from './idempotency-key';
import { IDEMPOTENCY_STORE, IdempotencyStore } from './idempotency.store';

/** An answer as it is stored: what a replay sends again. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** Headers that belong to the answer itself; the rest (request id, budget left) are per request. */
const REPLAYED_HEADERS = ['content-type', 'location'];

/** How often a duplicate looks whether the first request has finished: quickly at first, then every 250 ms. */
const POLL_MS = [20, 40, 80, 160, 250];

/** Retry-After of a duplicate that waited in vain: the first request is still running. */
const IN_PROGRESS_RETRY_AFTER_S = 1;

/**
 * Final answers are kept and replayed; a 5xx (or a crash) is not an answer about the
 * request, and neither is a refusal that says "later" (408, 429): the key is released
 * and a retry runs the request again.
 */
export const isFinalStatus = (status: number) => status < 500 && status !== 408 && status !== 429;

type Caller = HttpRequest & { user?: { id?: string } };

/** A reply whose `send` can be wrapped (see storeAnswerOf). */
type Reply = HttpReply & { send: (body?: unknown) => unknown };

/**
 * The stored body, its top-level `requestId` (a problem's) replaced by the id of the request
 * it now answers: an error body names the request whose X-Request-Id it goes out with.
 */
function withRequestId({ headers, body }: StoredAnswer, requestId: string): string | undefined {
  if (body === undefined || !/^application\/(problem\+)?json\b/i.test(headers['content-type'] ?? '')) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('requestId' in parsed)) return body;
  return JSON.stringify({ ...parsed, requestId });
}

/**
 * Idempotency-Key on a state-changing route (see `@Idempotent()`): the first request with
 * a key runs and its answer is stored, sealed, per route and caller; a repeat with the
 * same body gets that answer again with `Idempotent-Replayed: true`, one with another body
 * 422, one arriving while the first still runs waits for it up to IDEMPOTENCY_WAIT, then
 * 409. The answer is stored before it is sent, so a client that saw it and repeats gets
 * the replay. Without a key the route runs as it always did.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly outage = new RedisOutageWarning(this.logger);
  private readonly sealer: AnswerSealer;
  private readonly fingerprints: RequestFingerprints;

  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(idempotencyConfig.KEY) private readonly config: IdempotencyConfig,
    private readonly metrics: AppMetrics,
  ) {
    this.sealer = new AnswerSealer(config.secret);
    this.fingerprints = new RequestFingerprints(config.secret);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Caller>();
    const res = http.getResponse<Reply>();
    const key = idempotencyKeyOf(req.headers['idempotency-key']);
    if (key === undefined) return next.handle();

    const storageKey = storageKeyOf(`${req.method} ${routeTemplateOf(nodeRequestOf(req))}`, req.user?.id, key);
    const fingerprint = this.fingerprints.of(req.method, req.originalUrl, req.body);
    return from(this.claim(storageKey, fingerprint)).pipe(
      switchMap((claim) => {
        if (claim.replay) return of(this.replay(req, res, claim.replay));
        this.storeAnswerOf(res, storageKey, fingerprint, claim.holder);
        return next.handle();
      }),
    );
  }

  /** Reserves the key, or waits for the request that holds it and answers its replay. */
  private async claim(
    storageKey: string,
    fingerprint: string,
  ): Promise<{ holder: string; replay?: undefined } | { replay: StoredAnswer }> {
    const holder = randomUUID();
    const deadline = Date.now() + this.config.waitMs;
    for (let attempt = 0; ; attempt += 1) {
      const found = await this.unlessStoreDown(() =>
        this.store.reserve(storageKey, fingerprint, holder, this.config.lockTtlMs),
      );
      if (found.state === 'reserved') return { holder };
      // A fingerprint made under another secret (before a rotation) says nothing about the body:
      // its answer is unreadable like any sealed under that secret, and its run is waited for.
      if (found.fingerprint !== fingerprint && this.fingerprints.isOwn(found.fingerprint)) {
        this.metrics.idempotencyRejected('key_reused');
        throw new ProblemException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'idempotency_key_reused',
          'This Idempotency-Key was sent with another request; use a new key for a new request.',
        );
      }
      if (found.state === 'done') {
        const replay = found.fingerprint === fingerprint ? this.open(found.sealed, storageKey) : undefined;
        if (replay) return { replay };
        // Sealed under a secret since rotated: unreadable for good, so it is as if it expired.
        this.logger.warn('A stored answer could not be decrypted (secret rotated?); the request runs again');
        await this.unlessStoreDown(() => this.store.discard(storageKey, found.fingerprint, found.sealed));
        continue;
      }
      if (Date.now() >= deadline) {
        this.metrics.idempotencyRejected('in_progress');
        throw new RetryLaterProblem(
          HttpStatus.CONFLICT,
          'idempotency_in_progress',
          'A request with this Idempotency-Key is still being processed; repeat it shortly.',
          IN_PROGRESS_RETRY_AFTER_S,
        );
      }
      await delay(Math.min(POLL_MS[Math.min(attempt, POLL_MS.length - 1)], Math.max(1, deadline - Date.now())));
    }
  }

  private async unlessStoreDown<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      this.outage.warn(error, 'Idempotency store unreachable; requests with an Idempotency-Key are refused');
      this.metrics.idempotencyRejected('store_unavailable');
      throw new RetryLaterProblem(
        HttpStatus.SERVICE_UNAVAILABLE,
        'idempotency_unavailable',
        'Answers to Idempotency-Key requests cannot be stored right now; nothing was done. Retry shortly.',
        REDIS_RETRY_AFTER_S,
      );
    }
  }

  private open(sealed: string, storageKey: string): StoredAnswer | undefined {
    const plain = this.sealer.open(sealed, storageKey);
    return plain === undefined ? undefined : (JSON.parse(plain) as StoredAnswer);
  }

  /** Sends the stored answer through the route's own reply, so the middleware around it applies as usual. */
  private replay(req: HttpRequest, res: HttpReply, answer: StoredAnswer): string | undefined {
    this.metrics.idempotentReplay();
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) res.header(name, value);
    res.header(REPLAYED_HEADER, 'true');
    return withRequestId(answer, requestIdOf(req));
  }

  /**
   * Catches the answer where both the route's result and the exception filter's problem
   * pass, `res.send`, and serializes a result there as both platforms would (JSON, UTF-8).
   * It is stored (or the key released) first, then sent. A client that went away changes
   * nothing: the request still runs to its answer, which is stored for the retry (that waits
   * for it meanwhile). A request that never sends one (its process died) holds the key until
   * IDEMPOTENCY_LOCK_TTL.
   */
  private storeAnswerOf(res: Reply, storageKey: string, fingerprint: string, holder: string): void {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      res.send = send;
      let text: string | Buffer | undefined;
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) text = body;
      else {
        text = JSON.stringify(body);
        if (res.getHeader('Content-Type') === undefined) res.header('Content-Type', 'application/json; charset=utf-8');
      }
      void this.settle(res, storageKey, fingerprint, holder, text).finally(() => {
        try {
          send(text);
        } catch (error) {
          this.logger.error({ err: error }, 'Could not send the answer of an Idempotency-Key request');
          nodeResponseOf(res).destroy();
        }
      });
      return res;
    };
  }

  private async settle(
    res: HttpReply,
    storageKey: string,
    fingerprint: string,
    holder: string,
    body: string | Buffer | undefined,
  ): Promise<void> {
    if (!isFinalStatus(res.statusCode)) return this.release(storageKey, fingerprint, holder);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const answer: StoredAnswer = { status: res.statusCode, headers, body: body?.toString() };
    try {
      const sealed = this.sealer.seal(JSON.stringify(answer), storageKey);
      const kept = await this.store.complete(storageKey, fingerprint, holder, sealed, this.config.ttlMs);
      if (!kept) this.logger.warn('An Idempotency-Key request outlived IDEMPOTENCY_LOCK_TTL; its answer is not stored');
    } catch (error) {
      // The request did its work: its answer goes out. A retry runs again once the lock expires.
      this.outage.warn(error, 'The answer of an Idempotency-Key request could not be stored');
    }
  }

  private async release(storageKey: string, fingerprint: string, holder: string): Promise<void> {
    try {
      await this.store.release(storageKey, fingerprint, holder);
    } catch (error) {
      this.outage.warn(error, 'An Idempotency-Key could not be released; it frees itself after IDEMPOTENCY_LOCK_TTL');
    }
  }
}
