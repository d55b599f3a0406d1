import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, IncomingMessage, request, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from '@tools/app-process';
import { freePort } from '@tools/free-port';
import { NginxProcess, renderComposeNginxConfig, startNginx } from '@tools/nginx';

/**
 * The compose load balancer (docker/nginx/nginx.conf) run for real on loopback: two app
 * processes stand in for the `app` replicas Docker's DNS would return, and two tiny
 * upstreams of our own show what nginx sends and what it retries.
 */

interface Upstream {
  server: Server;
  address: string;
  seen: { method: string; headers: IncomingHttpHeaders }[];
}

/**
 * Answers every request with `status`, echoing the headers nginx sent as JSON; or, for
 * `'reset'`, reads the whole request and then drops the connection without an answer, as
 * an app that crashes mid-request does.
 */
async function upstream(status: number | 'reset'): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      if (status === 'reset') req.socket.resetAndDestroy();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { server, address: `127.0.0.1:${port}`, seen };
}

/** node:http rather than fetch, which may not set Host. */
async function getJson(url: string, headers: Record<string, string>): Promise<Record<string, string>> {
  const req = request(url, { headers });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  return JSON.parse(body) as Record<string, string>;
}

describe('compose nginx in front of two instances', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nginx-lb-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('with two app processes', () => {
    let apps: AppProcess[] = [];
    let nginx: NginxProcess | undefined;

    afterEach(async () => {
      await nginx?.stop();
      await Promise.all(apps.map((app) => app.stop()));
      apps = [];
    });

    it('spreads requests over both replicas and moves them to the survivor when one goes away', async () => {
      apps = await Promise.all(
        ['a', 'b'].map((name) =>
          startApp({
            env: { DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`, TRUST_PROXY: '1', LOG_LEVEL: 'warn' },
          }),
        ),
      );
      await Promise.all(apps.map((app) => app.waitUntilReady(60_000)));
      const port = await freePort();
      const conf = renderComposeNginxConfig({ dir, port, upstreams: apps.map((app) => `127.0.0.1:${app.port}`) });
      nginx = await startNginx(dir, conf, port);
      const base = `http://127.0.0.1:${port}`;

      for (let i = 0; i < 10; i += 1) expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const served = nginx.accessLog().filter((line) => line.includes('"GET /health/ready'));
      for (const app of apps)
        expect(served.some((line) => line.includes(`upstream=127.0.0.1:${app.port} `))).toBe(true);

      // The per-instance scrape endpoint is not published at the edge.
      expect((await fetch(`${base}/metrics`)).status).toBe(404);

      const [survivor, gone] = apps as [AppProcess, AppProcess];
      await gone.stop();
      const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(`${base}/health/live`)));
      expect(statuses.map((r) => r.status)).toEqual(Array(6).fill(200));
      const afterStop = nginx.accessLog().filter((line) => line.includes('"GET /health/live'));
      // At least one request was refused by the stopped replica and retried on the survivor.
      expect(
        afterStop.some((line) => line.includes(`upstream=127.0.0.1:${gone.port}, 127.0.0.1:${survivor.port} `)),
      ).toBe(true);
      expect(afterStop.every((line) => / 200 /.test(line))).toBe(true);
    });
  });

  describe('with one app process', () => {
    let app: AppProcess | undefined;
    let nginx: NginxProcess | undefined;

    afterEach(async () => {
      await nginx?.stop();
      await app?.stop();
    });

    it('publishes /metrics under no spelling, though the app itself answers several', async () => {
      app = await startApp({ env: { DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`, LOG_LEVEL: 'warn' } });
      await app.waitUntilReady(60_000);
      const port = await freePort();
      nginx = await startNginx(
        dir,
        renderComposeNginxConfig({ dir, port, upstreams: [`127.0.0.1:${app.port}`] }),
        port,
      );
      const spellings = ['/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics?x=1', '/%6Detrics', '//metrics'];
      const metricsAt = async (base: string, path: string) => {
        const res = await fetch(`${base}${path}`);
        return `${res.status} ${(await res.text()).includes('# HELP') ? 'metrics' : 'no metrics'}`;
      };

      // Express routes case-insensitively and ignores a trailing slash, so an edge that blocks
      // one spelling leaks the others.
      const direct = `http://127.0.0.1:${app.port}`;
      expect(await metricsAt(direct, '/METRICS')).toBe('200 metrics');
      expect(await metricsAt(direct, '/metrics/')).toBe('200 metrics');
      const edge = `http://127.0.0.1:${port}`;
      const answers = Object.fromEntries(
        await Promise.all(spellings.map(async (path) => [path, await metricsAt(edge, path)] as const)),
      );
      expect(answers).toEqual(
        Object.fromEntries(spellings.map((path) => [path, expect.stringMatching(/ no metrics$/)])),
      );
    });
  });

  describe('with recording upstreams', () => {
    let upstreams: Upstream[] = [];
    let nginx: NginxProcess | undefined;

    afterEach(async () => {
      await nginx?.stop();
      for (const { server } of upstreams) {
        server.closeAllConnections();
        server.close();
      }
      upstreams = [];
    });

    async function start(...statuses: Array<number | 'reset'>): Promise<string> {
      upstreams = await Promise.all(statuses.map(upstream));
      const port = await freePort();
      const conf = renderComposeNginxConfig({ dir, port, upstreams: upstreams.map((u) => u.address) });
      nginx = await startNginx(dir, conf, port);
      return `http://127.0.0.1:${port}`;
    }

    it('passes the client address in X-Forwarded-For, plus protocol, host and a request id', async () => {
      const base = await start(200);
      const headers = await getJson(`${base}/api/v1/anything`, {
        'x-forwarded-for': '203.0.113.7',
        host: 'api.example.test',
      });

      expect(headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
      expect(headers['x-real-ip']).toBe('127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers.host).toBe('api.example.test');
      expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);

      const kept = await getJson(`${base}/api/v1/anything`, { 'x-request-id': 'caller-chosen-id' });
      expect(kept['x-request-id']).toBe('caller-chosen-id');
    });

    it('retries an idempotent request that a replica answers 503 on another replica', async () => {
      const base = await start(503, 200);
      const [draining] = upstreams as [Upstream, Upstream];

      const statuses = await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/api/v1/users/me`)));

      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(draining.seen.length).toBeGreaterThan(0);
    });

    it('never re-sends a POST that reached a replica, even when that replica answered 503', async () => {
      const base = await start(503, 200);
      const [draining, healthy] = upstreams as [Upstream, Upstream];

      const statuses = [];
      for (let i = 0; i < 4; i += 1) {
        statuses.push((await fetch(`${base}/api/v1/auth/login`, { method: 'POST', body: '{}' })).status);
      }

      // Round robin starts on the first (draining) replica; its 503 goes back to the client as is.
      expect(draining.seen.length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 503)).toHaveLength(draining.seen.length);
      expect(draining.seen.length + healthy.seen.length).toBe(4);
    });

    const post = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"a":1}' });

    it('re-sends a POST with an Idempotency-Key that a replica dropped to the next one, which runs it once', async () => {
      // Round robin starts on the first replica (per worker, with no shared zone): the one that drops.
      const base = await start('reset', 200);
      const [crashing, healthy] = upstreams as [Upstream, Upstream];

      const res = await post(`${base}/api/v1/auth/register`, { 'idempotency-key': 'retry-me' });

      expect(res.status).toBe(200);
      expect(crashing.seen).toHaveLength(1);
      expect(healthy.seen).toHaveLength(1);
      expect(healthy.seen[0]).toMatchObject({ method: 'POST', headers: { 'idempotency-key': 'retry-me' } });
      // The body went along on the retry, as nginx buffered it.
      expect(healthy.seen[0].headers['content-length']).toBe('7');
      expect(nginx!.accessLog().at(-1)).toMatch(/ 200 .*upstream=127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ /);
    });

    it('re-sends a keyed POST that a draining replica answered 503', async () => {
      const base = await start(503, 200);
      const [draining, healthy] = upstreams as [Upstream, Upstream];

      const res = await post(`${base}/api/v1/users`, { 'idempotency-key': 'k-503' });

      expect(res.status).toBe(200);
      expect([draining.seen.length, healthy.seen.length]).toEqual([1, 1]);
    });

    it.each(['/api/v1/users/me', '/API/v1/Users/ME/?x=1'])(
      're-sends a keyed PATCH to %s, a spelling express routes to PATCH /users/me',
      async (path) => {
        const base = await start('reset', 200);
        const [crashing, healthy] = upstreams as [Upstream, Upstream];

        const res = await fetch(`${base}${path}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'patch-me' },
          body: '{"a":1}',
        });

        expect(res.status).toBe(200);
        expect([crashing.seen.length, healthy.seen.length]).toEqual([1, 1]);
        expect(healthy.seen[0]).toMatchObject({ method: 'PATCH', headers: { 'idempotency-key': 'patch-me' } });
      },
    );

    it('never re-sends a keyed write to a route that does not deduplicate it: 502, one replica reached', async () => {
      const base = await start('reset', 'reset');

      const reached = () => upstreams.reduce((n, u) => n + u.seen.length, 0);

      const login = await post(`${base}/api/v1/auth/login`, { 'idempotency-key': 'not-deduplicated' });
      expect([login.status, reached()]).toEqual([502, 1]);
      const logout = await post(`${base}/api/v1/auth/logout`, { 'idempotency-key': 'not-deduplicated-either' });
      expect([logout.status, reached()]).toEqual([502, 2]);
    });

    it('never re-sends a POST without a key that a replica dropped: 502, and it reached one replica only', async () => {
      // Both drop it: a retry would show as a second replica seeing the request.
      const base = await start('reset', 'reset');

      const res = await post(`${base}/api/v1/auth/register`);

      expect(res.status).toBe(502);
      expect(upstreams.reduce((n, u) => n + u.seen.length, 0)).toBe(1);
    });

    it('treats an empty Idempotency-Key as none: the dropped POST is not re-sent', async () => {
      const base = await start('reset', 'reset');

      const res = await post(`${base}/api/v1/auth/register`, { 'idempotency-key': '' });

      expect(res.status).toBe(502);
      expect(upstreams.reduce((n, u) => n + u.seen.length, 0)).toBe(1);
    });

    it('still retries a dropped GET, key or not', async () => {
      const base = await start('reset', 200);
      const [crashing, healthy] = upstreams as [Upstream, Upstream];

      const res = await fetch(`${base}/api/v1/users/me`);

      expect(res.status).toBe(200);
      expect([crashing.seen.length, healthy.seen.length]).toEqual([1, 1]);
    });
  });
});
