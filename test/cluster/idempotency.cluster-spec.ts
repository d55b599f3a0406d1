import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { NginxProcess, renderComposeNginxConfig, startNginx } from '@tools/nginx';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';

/**
 * Idempotency-Key across instances: two real nodes on one PostgreSQL and one Redis, and the
 * compose nginx in front of one of them and of a replica that takes every request and dies
 * before answering. A keyed write is answered once, from whichever node, however it is retried.
 */
describe('Idempotency-Key on two instances sharing Redis', () => {
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;
  let crashing: Server;
  let crashed = 0;
  let nginx: NginxProcess;
  let edge: string;
  let dir: string;

  beforeAll(async () => {
    cluster = await startCluster({
      size: 2,
      env: { THROTTLE_LIMIT: '100000', THROTTLE_REGISTER_LIMIT: '100000' },
    });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
    crashing = createServer((req) => {
      crashed += 1;
      req.resume();
      req.on('end', () => req.socket.resetAndDestroy());
    });
    crashing.listen(0, '127.0.0.1');
    await once(crashing, 'listening');
    dir = mkdtempSync(join(tmpdir(), 'idempotency-lb-'));
    const port = await freePort();
    const { port: crashPort } = crashing.address() as { port: number };
    // The crashing replica first: round robin (per worker) hands it the first request.
    const conf = renderComposeNginxConfig({ dir, port, upstreams: [`127.0.0.1:${crashPort}`, `127.0.0.1:${a.port}`] });
    nginx = await startNginx(dir, conf, port);
    edge = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await nginx?.stop();
    crashing?.closeAllConnections();
    crashing?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const account = () => ({ email: uniqueEmail('keyed'), password: 'a-good-password', name: 'Keyed' });
  const register = (base: string, body: object, key?: string) =>
    http(`${base}/api/v1/auth/register`, {
      method: 'POST',
      body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });

  it('replays on one node the answer another node stored', async () => {
    const body = account();
    const key = randomUUID();

    const first = await register(a.url, body, key);
    const again = await register(b.url, body, key);

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await register(b.url, body)).status).toBe(409);
  });

  it('runs concurrent duplicates sent to both nodes once', async () => {
    const body = account();
    const key = randomUUID();

    const [x, y] = await Promise.all([register(a.url, body, key), register(b.url, body, key)]);

    expect([x.status, y.status]).toEqual([201, 201]);
    expect(x.body).toEqual(y.body);
    expect([x.headers['idempotent-replayed'], y.headers['idempotent-replayed']].sort()).toEqual(['true', undefined]);
  });

  it('lets nginx re-send a keyed registration a dying replica took: created once, replayed after', async () => {
    const body = account();
    const key = randomUUID();
    const before = crashed;

    const res = await register(edge, body, key);

    expect(res.status).toBe(201);
    expect(crashed).toBe(before + 1);
    const replay = await register(b.url, body, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(res.body);
  });

  it('does not let nginx re-send an unkeyed registration: 502, and no account was made', async () => {
    // A replica that failed is skipped for a while (per worker); send until a request lands on it again.
    const dropped = await waitFor(
      async () => {
        const body = account();
        const res = await register(edge, body);
        if (res.status !== 201 && res.status !== 502) throw new Error(`unexpected ${res.status}`);
        return res.status === 502 && body;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'an unkeyed registration to reach the dying replica' },
    );
    expect((await register(b.url, dropped)).status).toBe(201);
  });
});
