import { Body, Controller, HttpCode, HttpStatus, INestApplication, Logger, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import { ProblemDetailsFilter } from '@/common/filters/problem-details.filter';
import { RetryLaterProblem } from '@/common/http/problem';
import { idempotencyConfig, IdempotencyConfig } from '@/config/configuration';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { AnswerSealer } from './answer-sealer';
import { Idempotent } from './idempotent.decorator';
import { canonicalJson, RequestFingerprints } from './idempotency-key';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_STORE, IdempotencyStore } from './idempotency.store';
import { MemoryIdempotencyStore } from './memory-idempotency.store';

const CONFIG: IdempotencyConfig = {
  ttlMs: 60_000,
  waitMs: 200,
  lockTtlMs: 5_000,
  secret: 'a-secret-of-at-least-thirty-two-characters',
};

/** A route whose next answer each test chooses. */
@Controller('things')
class ThingsController {
  runs = 0;
  answer: () => unknown = () => ({ token: 'secret-token-value' });

  @Post()
  @HttpCode(201)
  @Idempotent()
  create(@Body() _body: unknown): unknown {
    this.runs += 1;
    return this.answer();
  }
}

describe(IdempotencyInterceptor.name, () => {
  let app: INestApplication;
  let server: Server;
  let things: ThingsController;
  let metrics: jest.Mocked<AppMetrics>;

  async function boot(store: IdempotencyStore): Promise<void> {
    metrics = automock(AppMetrics, { idempotentReplay: () => undefined, idempotencyRejected: () => undefined });
    const moduleRef = await Test.createTestingModule({
      controllers: [ThingsController],
      providers: [
        IdempotencyInterceptor,
        { provide: IDEMPOTENCY_STORE, useValue: store },
        { provide: idempotencyConfig.KEY, useValue: CONFIG },
        { provide: AppMetrics, useValue: metrics },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    server = app.getHttpServer() as Server;
    things = app.get(ThingsController);
  }

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
  });

  const post = (key: string | undefined, body: object = { name: 'a' }) => {
    const req = request(server).post('/things');
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  it('leaves a request without a key alone: every one runs', async () => {
    const store = new MemoryIdempotencyStore();
    const reserve = jest.spyOn(store, 'reserve');
    await boot(store);
    await post(undefined).expect(201);
    await post(undefined).expect(201);
    expect(things.runs).toBe(2);
    expect(reserve).not.toHaveBeenCalled();
  });

  it('refuses with 503 idempotency_unavailable and runs nothing when the store cannot be reached', async () => {
    const store = new MemoryIdempotencyStore();
    jest.spyOn(store, 'reserve').mockRejectedValue(new Error('Connection is closed.'));
    await boot(store);

    const res = await post('k').expect(503);

    expect(res.body).toMatchObject({ type: '/problems/idempotency_unavailable' });
    expect(res.headers['retry-after']).toBe('2');
    expect(things.runs).toBe(0);
    expect(metrics.idempotencyRejected).toHaveBeenCalledWith('store_unavailable');
  });

  it('stores the answer sealed, never the tokens it carries, before sending it', async () => {
    const store = new MemoryIdempotencyStore();
    const complete = jest.spyOn(store, 'complete');
    await boot(store);

    await post('k').expect(201);

    expect(complete).toHaveBeenCalledTimes(1);
    const sealed = complete.mock.calls[0][3];
    expect(sealed).not.toContain('secret-token-value');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('secret-token-value');
  });

  it('stores a keyed fingerprint of the request, not a hash anyone could recompute from the body', async () => {
    const store = new MemoryIdempotencyStore();
    const reserve = jest.spyOn(store, 'reserve');
    await boot(store);
    const body = { name: 'a', password: 'a-good-password' };

    await post('k', body).expect(201);

    const stored = reserve.mock.calls[0][1];
    const plain = createHash('sha256')
      .update(`POST\n/things\n${canonicalJson(body)}`)
      .digest('base64url');
    expect(stored).not.toContain(plain);
    expect(stored).toBe(new RequestFingerprints(CONFIG.secret).of('POST', '/things', body));
    expect(stored).not.toBe(new RequestFingerprints(`${CONFIG.secret}-other`).of('POST', '/things', body));
  });

  it('releases the key of a 429: a limit that says "later" is not the answer to the request', async () => {
    await boot(new MemoryIdempotencyStore());
    things.answer = () => {
      throw new RetryLaterProblem(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', 'Too many.', 1);
    };
    await post('k').expect(429);
    things.answer = () => ({ ok: true });

    const retried = await post('k').expect(201);

    expect(things.runs).toBe(2);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('still sends the answer of a request that ran when the store fails to keep it', async () => {
    const store = new MemoryIdempotencyStore();
    jest.spyOn(store, 'complete').mockRejectedValue(new Error('Command timed out'));
    await boot(store);

    const res = await post('k').expect(201);

    expect(res.body).toEqual({ token: 'secret-token-value' });
  });

  it('runs again over a stored answer that no longer opens (sealed under a rotated secret)', async () => {
    const store = new MemoryIdempotencyStore();
    await boot(store);
    const body = { name: 'a' };
    const fingerprint = new RequestFingerprints(CONFIG.secret).of('POST', '/things', body);
    const stale = new AnswerSealer('the-secret-before-it-was-rotated-0123456789').seal('{}', 'x');
    jest.spyOn(store, 'reserve').mockResolvedValueOnce({ state: 'done', fingerprint, sealed: stale });
    const discard = jest.spyOn(store, 'discard');

    await post('k', body).expect(201);

    expect(discard).toHaveBeenCalledWith(expect.any(String), fingerprint, stale);
    expect(things.runs).toBe(1);
  });

  it('runs again over an answer stored before the secret rotated, instead of calling the key reused', async () => {
    const store = new MemoryIdempotencyStore();
    await boot(store);
    const before = 'the-secret-before-it-was-rotated-0123456789';
    const fingerprint = new RequestFingerprints(before).of('POST', '/things', { name: 'a' });
    const stale = new AnswerSealer(before).seal('{}', 'x');
    jest.spyOn(store, 'reserve').mockResolvedValueOnce({ state: 'done', fingerprint, sealed: stale });
    const discard = jest.spyOn(store, 'discard');

    const res = await post('k').expect(201);

    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(discard).toHaveBeenCalledWith(expect.any(String), fingerprint, stale);
    expect(things.runs).toBe(1);
  });

  it('answers 409 idempotency_in_progress with Retry-After once IDEMPOTENCY_WAIT has passed', async () => {
    const store = new MemoryIdempotencyStore();
    await boot(store);
    jest.spyOn(store, 'reserve').mockResolvedValue({
      state: 'running',
      fingerprint: new RequestFingerprints(CONFIG.secret).of('POST', '/things', { name: 'a' }),
    });
    const started = Date.now();

    const res = await post('k').expect(409);

    expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIG.waitMs - 5);
    expect(res.body).toMatchObject({ type: '/problems/idempotency_in_progress' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(metrics.idempotencyRejected).toHaveBeenCalledWith('in_progress');
    expect(things.runs).toBe(0);
  });
});
