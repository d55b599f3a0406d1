import { randomBytes, randomUUID } from 'node:crypto';
import { AppProcess, startApp } from '@tools/app-process';
import { freshDatabase, TestDatabase } from '@test/support/database';

/**
 * Logs as an operator's log shipper sees them: the stdout and stderr of a real process
 * of the built app, after a register, a failed and a good login, an authenticated call
 * and a token refresh.
 */

interface LogLine {
  level: number;
  time: number;
  msg?: string;
  requestId?: string;
  route?: string;
  durationMs?: number;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  [key: string]: unknown;
}

describe('logs (real process, tracing off)', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const newPassword = `pw-${randomBytes(12).toString('hex')}`;
  const email = `log-${randomUUID()}@example.com`;
  const requestIds: string[] = [];
  const secrets: string[] = [password, newPassword];
  let db: TestDatabase;
  let app: AppProcess;
  let lines: string[];

  /** One API call with a request id of its own, recorded so its log lines can be found. */
  async function call(method: string, path: string, body?: unknown, token?: string) {
    const requestId = `log-${randomUUID()}`;
    requestIds.push(requestId);
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        'X-Request-Id': requestId,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json(), requestId };
  }

  beforeAll(async () => {
    db = await freshDatabase();
    app = await startApp({ env: { DATABASE_URL: db.url, LOG_LEVEL: 'info' } });
    await app.waitUntilReady();

    expect((await call('POST', '/api/v1/auth/register', { email, password, name: 'Log' })).status).toBe(201);
    expect((await call('POST', '/api/v1/auth/register', { email, password: 'short', name: 'Log' })).status).toBe(400);
    expect((await call('POST', '/api/v1/auth/login', { email, password: `${password}-wrong` })).status).toBe(401);
    const login = await call('POST', '/api/v1/auth/login', { email, password });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string };
    secrets.push(accessToken, refreshToken);
    expect((await call('GET', '/api/v1/users/me', undefined, accessToken)).status).toBe(200);
    const patched = await call(
      'PATCH',
      '/api/v1/users/me',
      { password: newPassword, currentPassword: password },
      accessToken,
    );
    expect(patched.status).toBe(200);
    const refreshed = await call('POST', '/api/v1/auth/refresh', { refreshToken });
    expect(refreshed.status).toBe(200);
    secrets.push(...Object.values((refreshed.body ?? {}) as Record<string, string>).filter((v) => v.length > 20));

    // Lines are written asynchronously: the last request's completion line marks the end of the run.
    await app.waitForOutput(new RegExp(`"requestId":"${requestIds.at(-1)}".*"request completed"`), 10_000);
    await app.stop();
    lines = [...app.output];
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const parsed = () => lines.map((line) => JSON.parse(line) as LogLine);
  const completionOf = (requestId: string) =>
    parsed().filter((l) => l.requestId === requestId && l.msg === 'request completed');

  it('writes every line as a JSON object with a level and a time', () => {
    expect(lines.length).toBeGreaterThan(requestIds.length);
    for (const line of lines) {
      const entry = JSON.parse(line) as LogLine;
      expect(typeof entry.level).toBe('number');
      expect(typeof entry.time).toBe('number');
    }
  });

  it('ends each request with one completion line: request id, method, route template, status and duration', () => {
    for (const requestId of requestIds) expect(completionOf(requestId)).toHaveLength(1);
    const [me] = completionOf(requestIds[4]);
    expect(me).toMatchObject({
      requestId: requestIds[4],
      req: { id: requestIds[4], method: 'GET', url: '/api/v1/users/me' },
      res: { statusCode: 200 },
      route: '/api/v1/users/me',
    });
    expect(me.durationMs).toEqual(expect.any(Number));
    // Tracing is off without an exporter endpoint.
    expect(me.traceId).toBeUndefined();
  });

  it('contains no password, token or authorization header anywhere', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const all = lines.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/bearer /i);
    expect(all).not.toMatch(/"authorization"/i);
  });

  it('keeps health probes out of the info-level log', () => {
    expect(parsed().filter((l) => l.req?.url?.startsWith('/health'))).toEqual([]);
  });
});

describe('probe and scrape logs', () => {
  it('logs /health and /metrics requests at debug level when LOG_LEVEL is debug', async () => {
    const app = await startApp({ env: { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'debug' } });
    try {
      await app.waitUntilReady();
      await fetch(`${app.url}/health/live`, { headers: { 'X-Request-Id': 'probe-at-debug' } });
      const line = JSON.parse(await app.waitForOutput(/"requestId":"probe-at-debug"/)) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 20, route: '/health/live', res: { statusCode: 200 } });
    } finally {
      await app.stop();
    }
  });
});
