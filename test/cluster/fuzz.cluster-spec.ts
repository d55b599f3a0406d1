import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { AppProcess, startApp } from '@tools/app-process';
import type { TestDatabase } from '@test/support/database';
import {
  FuzzRequest,
  fuzzRequest,
  OpenApiDocument,
  Operation,
  operationsOf,
  seededRandom,
} from '@test/support/openapi-fuzz';
import { freshDatabase, redisEnv, signUp } from '@test/support/resilience';

/**
 * Hostile input, generated from the served OpenAPI document, against a real process on
 * PostgreSQL: every operation, with no token, a user's, an admin's and forged ones. No
 * answer may be a 5xx, none may take longer than the bound, and the instance must still be
 * ready at the end. Reproduce a failure with FUZZ_SEED (printed) and FUZZ_REQUESTS.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_251_128);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4_000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
/** Generous for 2 CI cores where argon2 hashing (register, login) competes with everything else. */
const LATENCY_BOUND_MS = 3_000;
const MAX_HEADER_BYTES = 16 * 1024;
/** Internals that must never reach a client: driver errors, SQL, stack frames, hashes. */
const SECRET_MARKERS = /QueryFailedError|TypeORM|SELECT |INSERT INTO|\n\s+at |node_modules|\$argon2/;

interface Outcome {
  request: FuzzRequest;
  status?: number;
  error?: string;
  ms: number;
  contentType?: string;
  /** Set when the application answered; Node's HTTP parser answers malformed requests (400, 431) itself. */
  requestId?: string;
  body: string;
}

function send(agent: Agent, base: URL, fuzz: FuzzRequest): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (partial: Omit<Outcome, 'request' | 'ms'>) =>
      resolve({ request: fuzz, ms: Date.now() - started, ...partial });
    let req;
    try {
      // Node frames a body only for methods that usually carry one; say its length so GET and DELETE bodies arrive whole.
      const headers = fuzz.body ? { ...fuzz.headers, 'content-length': String(fuzz.body.length) } : fuzz.headers;
      req = request(
        { host: base.hostname, port: base.port, method: fuzz.method, path: fuzz.path, headers, agent },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += body.length < 4_000 ? chunk : ''));
          res.on('end', () =>
            done({
              status: res.statusCode,
              contentType: res.headers['content-type'],
              requestId: res.headers['x-request-id'] as string | undefined,
              body,
            }),
          );
          res.on('error', (error) => done({ error: error.message, body }));
        },
      );
    } catch (error) {
      // Node's own client refuses to put some values on the wire at all; nothing reached the server.
      done({ error: `client: ${(error as Error).message}`, status: 0, body: '' });
      return;
    }
    req.setTimeout(LATENCY_BOUND_MS * 3, () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ error: `${error.code ?? ''} ${error.message}`, body: '' }),
    );
    req.end(fuzz.body);
  });
}

describe(`OpenAPI-driven fuzzing (seed ${SEED}, ${REQUESTS} requests)`, () => {
  let db: TestDatabase;
  let app: AppProcess;
  let outcomes: Outcome[];
  let operations: Operation[];
  let userToken: string;

  beforeAll(async () => {
    db = await freshDatabase();
    const adminPassword = `pw-${randomUUID()}`;
    const adminEmail = `admin-${randomUUID()}@example.com`;
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        ...redisEnv(),
        LOG_LEVEL: 'warn',
        // The operations come from the served OpenAPI document.
        DOCS_ENABLED: 'true',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: adminPassword,
        THROTTLE_LIMIT: '1000000',
        THROTTLE_REGISTER_LIMIT: '1000000',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000',
        LOGIN_MAX_FAILURES_PER_CLIENT: '100000',
      },
    });
    await app.waitUntilReady(60_000);

    const user = await signUp(app.url, 'fuzz');
    userToken = user.accessToken;
    const loggedOut = await signUp(app.url, 'fuzz-logout');
    const victims = await Promise.all([signUp(app.url, 'victim'), signUp(app.url, 'victim')]);
    const adminLogin = await fetch(`${app.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: adminEmail, password: adminPassword }),
    });
    const { accessToken: adminToken } = (await adminLogin.json()) as { accessToken: string };
    const idOf = async (token: string) =>
      (
        (await (
          await fetch(`${app.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${token}` } })
        ).json()) as {
          id: string;
        }
      ).id;
    const userId = await idOf(userToken);
    const victimIds = await Promise.all(victims.map((v) => idOf(v.accessToken)));

    const doc = (await (await fetch(`${app.url}/docs-json`)).json()) as OpenApiDocument;
    operations = operationsOf(doc);
    const forged = `${userToken.slice(0, -4)}AAAA`;
    const tokens = [undefined, `Bearer ${userToken}`, `Bearer ${adminToken}`, `Bearer ${forged}`];
    const garbageIds = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', randomUUID(), 'me', '1 OR 1=1'];

    const random = seededRandom(SEED);
    const queue: FuzzRequest[] = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      const op = operations[i % operations.length];
      // Mutations only ever hit the victims: the fuzzing user and the admin must stay usable throughout.
      const mutating = op.path.includes('{id}') && op.method !== 'GET';
      const ids = mutating ? [...victimIds, ...garbageIds] : [userId, ...victimIds, ...garbageIds];
      const fuzz = fuzzRequest(op, { tokens, ids }, random);
      // A successful logout revokes the token it was sent with: give it one of its own.
      if (op.path.endsWith('/auth/logout') && fuzz.headers.authorization === tokens[1]) {
        fuzz.headers.authorization = `Bearer ${loggedOut.accessToken}`;
      }
      queue.push(fuzz);
    }

    const base = new URL(app.url);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    outcomes = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < queue.length) outcomes.push(await send(agent, base, queue[next++]));
      }),
    );
    agent.destroy();
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const describeOutcome = (o: Outcome) =>
    `${o.request.method} ${o.request.path.slice(0, 160)} [${o.request.mutation}] -> ${o.status ?? o.error} in ${o.ms} ms ${o.body.slice(0, 200)}`;

  it('sends every request and gets an answer to each', () => {
    expect(outcomes).toHaveLength(REQUESTS);
    // Node answers a request line and headers above its 16 kB limit with 431 and closes at once; a
    // client still writing then sees a reset instead. Either way the server refused, as it should.
    const oversized = (o: Outcome) =>
      o.request.path.length + Object.values(o.request.headers).join('').length > MAX_HEADER_BYTES;
    const unanswered = outcomes.filter(
      (o) => o.status === undefined && !o.error?.startsWith('client:') && !oversized(o),
    );
    expect(unanswered.map(describeOutcome)).toEqual([]);
  });

  it('never answers 5xx', () => {
    expect(outcomes.filter((o) => (o.status ?? 0) >= 500).map(describeOutcome)).toEqual([]);
  });

  it(`answers every request within ${LATENCY_BOUND_MS} ms`, () => {
    expect(outcomes.filter((o) => o.ms > LATENCY_BOUND_MS).map(describeOutcome)).toEqual([]);
  });

  it('answers API errors as problem documents that reveal no internals', () => {
    const errors = outcomes.filter(
      (o) =>
        o.status !== undefined &&
        o.status >= 400 &&
        o.requestId !== undefined &&
        o.request.path.startsWith('/api/') &&
        o.request.method !== 'HEAD',
    );
    expect(errors.length).toBeGreaterThan(REQUESTS / 2);
    expect(errors.filter((o) => !o.contentType?.startsWith('application/problem+json')).map(describeOutcome)).toEqual(
      [],
    );
    const api = outcomes.filter((o) => o.request.path.startsWith('/api/'));
    expect(api.filter((o) => SECRET_MARKERS.test(o.body)).map(describeOutcome)).toEqual([]);
  });

  it('reaches every operation, and gets past validation into the handlers', () => {
    for (const op of operations) {
      const own = outcomes.filter((o) => o.request.operation === `${op.method} ${op.path}`);
      expect({ op: own[0]?.request.operation, count: own.length }).toEqual({
        op: `${op.method} ${op.path}`,
        count: expect.any(Number),
      });
      expect(own.length).toBeGreaterThanOrEqual(Math.floor(REQUESTS / operations.length));
    }
    const statuses = new Set(outcomes.map((o) => o.status));
    for (const status of [200, 201, 400, 401, 403, 404, 413, 415])
      expect([status, statuses.has(status)]).toEqual([status, true]);
  });

  it('is still live and ready afterwards, the fuzzing user still signed in, with no error logged', async () => {
    expect(app.child.exitCode).toBeNull();
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
    const me = await fetch(`${app.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${userToken}` } });
    expect(me.status).toBe(200);
    // Stopped first: the log is written in batches, and a stopping instance writes out the rest.
    await app.stop();
    const errorLines = app.output.filter((line) => /"level":(50|60)/.test(line) || /Unhandled|uncaught/i.test(line));
    expect(errorLines.slice(0, 10)).toEqual([]);
  });
});
