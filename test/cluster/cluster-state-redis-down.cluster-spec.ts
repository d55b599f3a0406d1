import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from '@tools/app-process';
import { freePort } from '@tools/free-port';
import { http } from '@test/support/http';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * The Redis failure policy on a real process: readiness names Redis, requests still work
 * (caches miss to the database, limits fail open) unless THROTTLE_FAIL_CLOSED asks for 503.
 * Stopping and restarting a shared Redis is the fault suite's business; here Redis is
 * simply a port nothing listens on.
 */

describe('an instance whose Redis is unreachable', () => {
  let dir: string;
  let open: AppProcess;
  let closed: AppProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'no-redis-'));
    // A port nothing listens on: every connection attempt is refused, as when Redis is down.
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const start = (name: string, failClosed: string) =>
      startApp({
        env: {
          DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
          REDIS_URL: redisUrl,
          THROTTLE_FAIL_CLOSED: failClosed,
        },
      });
    [open, closed] = await Promise.all([start('open', 'false'), start('closed', 'true')]);
    // Not ready (Redis is down), but serving.
    await Promise.all([open, closed].map((app) => app.waitForOutput(/Listening on port/, 60_000)));
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), closed?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports redis down on readiness, and still serves: limits fail open, auth state falls through to the database', async () => {
    const ready = await http(`${open.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({ redis: { status: 'down' } });
    expect(ready.body.info).toMatchObject({ database: { status: 'up' } });

    const email = uniqueEmail('no-redis');
    const body = { email, password: 'a-good-password' };
    expect(
      (await http(`${open.url}/api/v1/auth/register`, { method: 'POST', body: { ...body, name: 'N' } })).status,
    ).toBe(201);
    const tokens = await http(`${open.url}/api/v1/auth/login`, { method: 'POST', body });
    expect(tokens.status).toBe(200);
    expect((await http(`${open.url}/api/v1/users/me`, { bearer: tokens.body.accessToken })).status).toBe(200);

    await open.waitForOutput(/letting requests through unchecked/);
    const metrics = await fetch(`${open.url}/metrics`).then((r) => r.text());
    expect(Number(/^rate_limit_storage_errors_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
  });

  it('refuses requests with 503 when THROTTLE_FAIL_CLOSED is set', async () => {
    const refused = await http(`${closed.url}/api/v1/users/me`);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ status: 503, type: '/problems/rate_limit_unavailable' });
    expect(refused.headers['retry-after']).toBe('2');
    // Probes are exempt from the budget, so operators still see why.
    expect((await http(`${closed.url}/health/live`)).status).toBe(200);
  });
});
