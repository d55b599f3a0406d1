import type { AppProcess } from '@tools/app-process';
import { http, HttpOptions } from '@test/support/http';
import { Cluster, startCluster } from '@tools/cluster';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * Rate limits counted once for the whole cluster, and "the client" being the real client:
 * each distinct client machine is a distinct loopback address (127.0.0.x) the request is
 * sent from, which is what the node (or nginx) sees as the peer.
 */

const BUDGET = 8;
const env = { THROTTLE_LIMIT: String(BUDGET), THROTTLE_TTL: '60s', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' };

/** A protected route: the budget is checked before the token, so an anonymous call is a 401 or a 429. */
const probe = (url: string, options: HttpOptions = {}) =>
  http(`${url}/api/v1/users/me`, options).then((r) => ({ status: r.status, retryAfter: r.headers['retry-after'] }));

const statuses = (results: { status: number }[]) => results.map((r) => r.status).sort();

describe('rate limits across three instances, TRUST_PROXY off, no proxy', () => {
  let cluster: Cluster;
  let nodes: AppProcess[];

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { ...env, TRUST_PROXY: 'false' } });
    nodes = cluster.nodes;
  });
  afterAll(() => cluster?.stop());

  it('holds a budget of N per window for the cluster: 2N requests over three nodes get N answers and N 429s', async () => {
    const client = { localAddress: '127.0.0.11' };

    const results = await Promise.all(
      Array.from({ length: 2 * BUDGET }, (_, i) => probe(nodes[i % nodes.length].url, client)),
    );

    expect(statuses(results)).toEqual([...Array(BUDGET).fill(401), ...Array(BUDGET).fill(429)]);
    for (const refused of results.filter((r) => r.status === 429))
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Another client is not affected by that one's spending.
    expect((await probe(nodes[0].url, { localAddress: '127.0.0.12' })).status).toBe(401);
  });

  it('does not reset a client budget for a forged X-Forwarded-For', async () => {
    const client = { localAddress: '127.0.0.13' };
    for (let i = 0; i < BUDGET; i += 1) expect((await probe(nodes[i % 3].url, client)).status).toBe(401);

    const forged = await Promise.all(
      nodes.map((node, i) => probe(node.url, { ...client, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })),
    );
    expect(statuses(forged)).toEqual([429, 429, 429]);
  });

  it('counts login failures for an account on every node together', async () => {
    const client = { localAddress: '127.0.0.14' };
    const email = uniqueEmail('limits');
    const password = 'a-good-password';
    const login = (node: AppProcess, pw: string) =>
      http(`${node.url}/api/v1/auth/login`, { ...client, method: 'POST', body: { email, password: pw } });
    const registered = await http(`${nodes[0].url}/api/v1/auth/register`, {
      ...client,
      method: 'POST',
      body: { email, password, name: 'Limits User' },
    });
    expect(registered.status).toBe(201);

    // One failure on each node: the per-account limit is 3.
    for (const node of nodes) expect((await login(node, 'wrong-password')).status).toBe(401);

    const blocked = await login(nodes[1], password);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ type: '/problems/too_many_login_failures' });
  });
});

describe('rate limits across three instances behind nginx, TRUST_PROXY=1', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, nginx: true, env: { ...env, TRUST_PROXY: '1' } });
  });
  afterAll(() => cluster?.stop());

  it('gives two real clients separate budgets, and a forged X-Forwarded-For does not escape one', async () => {
    const first = { localAddress: '127.0.0.21' };
    const second = { localAddress: '127.0.0.22' };

    const spent = await Promise.all(Array.from({ length: BUDGET + 2 }, () => probe(cluster.url, first)));
    expect(statuses(spent)).toEqual([...Array(BUDGET).fill(401), 429, 429]);

    // nginx appends the peer it saw; the nodes believe only that last hop.
    const forged = await probe(cluster.url, { ...first, headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(forged.status).toBe(429);

    const other = await Promise.all(Array.from({ length: BUDGET }, () => probe(cluster.url, second)));
    expect(statuses(other)).toEqual(Array(BUDGET).fill(401));

    // The requests really were spread over the nodes by nginx.
    const upstreams = new Set(
      cluster
        .nginx!.accessLog()
        .map((line) => /upstream=(\S+)/.exec(line)?.[1])
        .filter(Boolean),
    );
    expect(upstreams.size).toBe(3);
  });
});
