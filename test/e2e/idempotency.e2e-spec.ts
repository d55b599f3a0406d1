import { Controller, HttpCode, Injectable, Module, Post, Res } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { HttpReply } from '@/common/http/platform';
import { Idempotent } from '@/infra/idempotency/idempotent.decorator';
import { IDEMPOTENCY_STORE, IdempotencyStore } from '@/infra/idempotency/idempotency.store';
import { MemoryIdempotencyStore } from '@/infra/idempotency/memory-idempotency.store';
import { RedisIdempotencyStore } from '@/infra/idempotency/redis-idempotency.store';
import { Public } from '@/modules/auth/decorators/public.decorator';
import { authEnv, loginAdmin, registerAndLogin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

/** Redis under `test:integration` (REDIS_URL set), the in-process store otherwise. */
const onRedis = () => process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

/** How long a duplicate waits for the first request here: long enough for a registration's hash on a busy machine. */
const WAIT_MS = 4_000;

/** Counts the runs of the probe routes, and holds the gated one until the test opens the gate. */
@Injectable()
class ProbeState {
  flakyRuns = 0;
  gatedRuns = 0;
  private release!: () => void;
  opened!: Promise<void>;

  constructor() {
    this.close();
  }

  open(): void {
    this.release();
  }

  /** Holds the next gated runs again, counted from zero. */
  close(): void {
    this.gatedRuns = 0;
    this.opened = new Promise<void>((resolve) => (this.release = resolve));
  }
}

/** Routes that exist only in this suite: one that fails its first run, one that runs until released. */
@Public()
@Controller('idempotency-probe')
class IdempotencyProbeController {
  constructor(private readonly state: ProbeState) {}

  @Post('flaky')
  @Idempotent()
  flaky(@Res({ passthrough: true }) res: HttpReply): { run: number } {
    this.state.flakyRuns += 1;
    if (this.state.flakyRuns === 1) throw new Error('the first run fails');
    res.header('Location', `/api/v1/idempotency-probe/${this.state.flakyRuns}`);
    return { run: this.state.flakyRuns };
  }

  @Post('gated')
  @HttpCode(200)
  @Idempotent()
  async gated(): Promise<{ runs: number }> {
    this.state.gatedRuns += 1;
    await this.state.opened;
    return { runs: this.state.gatedRuns };
  }
}

@Module({ controllers: [IdempotencyProbeController], providers: [ProbeState] })
class IdempotencyProbeModule {}

describe('Idempotency-Key on state-changing POSTs', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ IDEMPOTENCY_WAIT: `${WAIT_MS}ms` }),
      imports: [IdempotencyProbeModule],
    });
    admin = await loginAdmin(t.server);
  });
  afterAll(() => t.close());

  const register = (body: object, key?: string) => {
    const req = request(t.server).post('/api/v1/auth/register');
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const accountsWith = async (email: string): Promise<number> =>
    (
      await request(t.server)
        .get('/api/v1/users')
        .query({ search: email })
        .set('Authorization', admin.bearer)
        .expect(200)
    ).body.meta.total;
  const metric = async (name: string, labels?: Record<string, string>) =>
    metricSample((await request(t.server).get('/metrics').expect(200)).text, name, labels);
  const replays = () => metric('app_idempotency_replays_total');
  const rejections = (reason: string) => metric('app_idempotency_rejections_total', { reason });
  const newUser = () => ({ email: uniqueEmail('idem'), password: 'a-good-password', name: 'Idem Potent' });

  it('replays the first answer of a registration, marked Idempotent-Replayed, and creates one account', async () => {
    const body = newUser();
    const key = randomUUID();
    const before = await replays();

    const first = await register(body, key).expect(201);
    const again = await register(body, key).expect(201);

    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['cache-control']).toBe('no-store');
    // Every answer has its own request id; the replayed body keeps the first one's content.
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await accountsWith(body.email)).toBe(1);
    expect(await replays()).toBe(before + 1);
    // Without the key the same body runs again, and meets the account the first one made.
    await register(body).expect(409);
  });

  it('takes the same body with its fields in another order as the same request', async () => {
    const { email, password, name } = newUser();
    const key = randomUUID();
    const first = await register({ email, password, name }, key).expect(201);
    const again = await register({ name, email, password }, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, and runs nothing', async () => {
    const key = randomUUID();
    await register(newUser(), key).expect(201);
    const other = newUser();
    const before = await rejections('key_reused');

    const res = await register(other, key).expect(422);

    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, type: '/problems/idempotency_key_reused' });
    expect(await accountsWith(other.email)).toBe(0);
    expect(await rejections('key_reused')).toBe(before + 1);
  });

  it('runs two concurrent duplicates once: one account, the same answer to both', async () => {
    const body = newUser();
    const key = randomUUID();

    const [a, b] = await Promise.all([register(body, key), register(body, key)]);

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.text).toBe(b.text);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].sort()).toEqual(['true', undefined]);
    expect(await accountsWith(body.email)).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a control character', 'key\twith-a-tab'],
    ['with a non-ASCII character', `cl\u00e9-${randomUUID()}`],
  ])('refuses a key %s with 400 invalid_idempotency_key, before anything runs', async (_what, key) => {
    const body = newUser();
    const res = await request(t.server)
      .post('/api/v1/auth/register')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(400);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/invalid_idempotency_key' });
    expect(await accountsWith(body.email)).toBe(0);
  });

  it('accepts a key of 255 characters, and the quoted form of the draft as the same key', async () => {
    const key = `${randomUUID()}${'k'.repeat(219)}`;
    expect(key).toHaveLength(255);
    const body = newUser();
    const first = await register(body, key).expect(201);
    const quoted = await register(body, `"${key}"`).expect(201);
    expect(quoted.headers['idempotent-replayed']).toBe('true');
    expect(quoted.body.id).toBe(first.body.id);
  });

  it('stores a 4xx answer too: a repeat gets the same problem, stamped with its own request id', async () => {
    const body = newUser();
    await register(body).expect(201);
    const key = randomUUID();

    const first = await register(body, key).expect(409);
    const again = await register(body, key).expect(409);

    expect(first.body).toMatchObject({ type: '/problems/email_taken' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual({ ...first.body, requestId: again.headers['x-request-id'] });
    expect(first.body.requestId).toBe(first.headers['x-request-id']);
    expect(again.body.requestId).not.toBe(first.body.requestId);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
  });

  it('does not store a 5xx: the retry runs again, and its answer (with Location) is the one replayed', async () => {
    const state = t.app.get(ProbeState);
    const key = randomUUID();
    const probe = () => request(t.server).post('/api/v1/idempotency-probe/flaky').set('Idempotency-Key', key).send({});

    const failed = await probe().expect(500);
    expect(failed.body).toMatchObject({ type: '/problems/internal_error' });
    const retried = await probe().expect(201);
    const replayed = await probe().expect(201);

    expect(state.flakyRuns).toBe(2);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.headers.location).toBe('/api/v1/idempotency-probe/2');
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.headers.location).toBe('/api/v1/idempotency-probe/2');
    expect(replayed.body).toEqual({ run: 2 });
  });

  it('keeps one caller from reading or blocking another caller’s answer under the same key', async () => {
    const [alice, bob] = [await registerAndLogin(t.server), await registerAndLogin(t.server)];
    const key = randomUUID();
    const resend = (user: SignedIn) =>
      request(t.server).post('/api/v1/auth/email/resend').set('Authorization', user.bearer).set('Idempotency-Key', key);

    const first = await resend(alice).expect(202);
    const other = await resend(bob).expect(202);
    const repeat = await resend(alice).expect(202);

    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(repeat.headers['idempotent-replayed']).toBe('true');
  });

  it('replays a keyed PATCH /users/me, and refuses the key with another body', async () => {
    const user = await registerAndLogin(t.server);
    const key = randomUUID();
    const patch = (name: string) =>
      request(t.server)
        .patch('/api/v1/users/me')
        .set('Authorization', user.bearer)
        .set('Idempotency-Key', key)
        .send({ name });

    const first = await patch('First Name').expect(200);
    const again = await patch('First Name').expect(200);
    await patch('Second Name').expect(422);

    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const me = await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    expect(me.body.name).toBe('First Name');
  });

  it('keeps the answers of one key apart per route', async () => {
    const key = randomUUID();
    await request(t.server)
      .post('/api/v1/auth/password/forgot')
      .set('Idempotency-Key', key)
      .send({ email: uniqueEmail('nobody') })
      .expect(202);
    const res = await request(t.server)
      .post('/api/v1/auth/email/verify')
      .set('Idempotency-Key', key)
      .send({ token: 'not-a-real-token-at-all' })
      .expect(400);
    expect(res.body).toMatchObject({ type: '/problems/invalid_token' });
  });

  it('keeps answers in Redis when it is configured, encrypted, and in the process otherwise', async () => {
    const store = t.app.get(IDEMPOTENCY_STORE);
    if (!onRedis()) {
      expect(store).toBeInstanceOf(MemoryIdempotencyStore);
      return;
    }
    expect(store).toBeInstanceOf(RedisIdempotencyStore);
    const body = newUser();
    const key = randomUUID();
    const answer = await register(body, key).expect(201);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const keys = await redis.keys(`${process.env.REDIS_KEY_PREFIX}idempotency:*`);
      const values = await Promise.all(keys.map((k) => redis.get(k)));
      const dump = JSON.stringify({ keys, values });
      expect(values.length).toBeGreaterThan(0);
      for (const secret of [body.email, answer.body.id, key]) expect(dump).not.toContain(secret);
      // Each answer expires: IDEMPOTENCY_TTL, 24h by default.
      const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
      expect(Math.min(...ttls)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('makes a duplicate wait for the first run; past IDEMPOTENCY_WAIT it answers 409 with Retry-After', async () => {
    const state = t.app.get(ProbeState);
    const key = randomUUID();
    const gated = () => request(t.server).post('/api/v1/idempotency-probe/gated').set('Idempotency-Key', key).send({});

    const first = gated().then((res) => res);
    await waitFor(() => state.gatedRuns === 1, { what: 'the first request to run' });
    const started = Date.now();
    const duplicate = await gated().expect(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 50);
    expect(duplicate.body).toMatchObject({ status: 409, type: '/problems/idempotency_in_progress' });
    expect(Number(duplicate.headers['retry-after'])).toBeGreaterThan(0);

    const waiting = gated().then((res) => res);
    state.open();
    const [done, replayed] = await Promise.all([first, waiting]);
    expect(done.status).toBe(200);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual(done.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(state.gatedRuns).toBe(1);
  });

  it('keeps the key of a request whose client went away until it finishes, and replays its answer', async () => {
    const state = t.app.get(ProbeState);
    state.close();
    const key = randomUUID();
    const gated = () => request(t.server).post('/api/v1/idempotency-probe/gated').set('Idempotency-Key', key).send({});

    // The client gives up (a timeout) while the request runs; it goes on in the service.
    const abandoned = gated()
      .timeout(200)
      .then(
        () => 'answered',
        (error: Error) => error.message,
      );
    await waitFor(() => state.gatedRuns === 1, { what: 'the first request to run' });
    expect(await abandoned).toMatch(/Timeout/);
    const reserve = jest.spyOn(t.app.get<IdempotencyStore>(IDEMPOTENCY_STORE), 'reserve');
    const retry = gated().then((res) => res);
    try {
      // The retry looks at the key a few times, well after the first client's connection closed.
      await waitFor(() => reserve.mock.calls.length >= 5 || state.gatedRuns > 1, { what: 'the retry to wait' });
      expect(state.gatedRuns).toBe(1);
    } finally {
      reserve.mockRestore();
      state.open();
    }

    const res = await retry;
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.body).toEqual({ runs: 1 });
    expect(state.gatedRuns).toBe(1);
  });
});
