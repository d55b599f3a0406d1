import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { Cluster, startCluster } from '@tools/cluster';
import { metricSample } from '@test/support/metrics-text';
import { renderComposeNginxConfig } from '@tools/nginx';
import { createUsers, startTraffic, Traffic, TrafficSample } from '@tools/traffic';

/**
 * A rolling restart as an orchestrator does it: three instances on PostgreSQL + Redis
 * behind the compose nginx config, 16 clients reading and writing without pause, and each
 * instance in turn sent SIGTERM, awaited (exit 0) and started again on its port. Not one
 * request may fail, in either of the two ways a load balancer can follow the restart:
 *
 * - like an ingress controller following Kubernetes endpoints: a watcher polls each
 *   instance's readiness and reloads nginx with the ready ones, so a draining instance
 *   leaves the upstream group during SHUTDOWN_DELAY_MS, while it still serves, and is back
 *   once its replacement is ready;
 * - with the compose nginx config alone, which cannot see readiness: it hands a refused or
 *   reset request to the next instance. A write already sent into a closing listener's
 *   accept queue is reset after it left nginx, which re-sends it only because it carries
 *   an `Idempotency-Key` (docs/operations.md, "Faults", explains).
 */

const CLIENTS = 16;
const SHUTDOWN_DELAY_MS = 2_000;
const WATCH_INTERVAL_MS = 200;

/** What happened when, for the failure message: kills, exits, readiness and nginx reloads. */
type Timeline = Array<{ at: number; event: string }>;

/** Reloads nginx (SIGHUP: old workers finish their requests) whenever the set of ready instances changes. */
function watchReadiness(
  cluster: Cluster,
  dir: string,
  port: number,
  mark: (event: string) => void,
): { stop(): void; reloads: string[][] } {
  const reloads: string[][] = [];
  let current = cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  let stopped = false;
  const tick = async () => {
    const ready = await Promise.all(
      cluster.nodes.map(async (node) => {
        const res = await fetch(`${node.url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).catch(() => null);
        return res?.status === 200 ? `127.0.0.1:${node.port}` : undefined;
      }),
    );
    const upstreams = ready.filter((u): u is string => u !== undefined);
    const next = upstreams.join(',');
    if (!stopped && upstreams.length > 0 && next !== current) {
      current = next;
      renderComposeNginxConfig({ dir, port, upstreams });
      cluster.nginx!.child.kill('SIGHUP');
      reloads.push(upstreams);
      mark(`nginx reloaded with ${next}`);
    }
    if (!stopped) setTimeout(() => void tick(), WATCH_INTERVAL_MS);
  };
  void tick();
  return {
    reloads,
    stop: () => {
      stopped = true;
    },
  };
}

/** Profile reads the instance itself answered (a restarted instance starts counting at zero). */
async function profileReads(node: AppProcess): Promise<number> {
  return metricSample(await (await fetch(`${node.url}/metrics`)).text(), 'http_requests_total', {
    route: '/api/v1/users/me',
    method: 'GET',
    status_code: '200',
  });
}

async function startLoadedCluster(options: { keyedWrites: boolean }): Promise<{ cluster: Cluster; traffic: Traffic }> {
  const cluster = await startCluster({
    size: 3,
    nginx: true,
    env: {
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '1',
      THROTTLE_LIMIT: '1000000',
      THROTTLE_REGISTER_LIMIT: '1000000',
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
  });
  const users = await createUsers(cluster.url, CLIENTS);
  const traffic = startTraffic({
    url: cluster.url,
    users,
    clients: CLIENTS,
    timeoutMs: 10_000,
    keyedWrites: options.keyedWrites,
  });
  await waitFor(() => traffic.samples.length >= 200, { what: 'traffic to flow' });
  return { cluster, traffic };
}

/** SIGTERM to each instance in turn, then a replacement on its port, with traffic reaching it before the next. */
async function restartEach(
  cluster: Cluster,
  traffic: Traffic,
  mark: (event: string) => void,
): Promise<(number | null)[]> {
  const servedSoFar = (n: number) => () => traffic.samples.length >= n;
  const exitCodes: (number | null)[] = [];
  for (let i = 0; i < cluster.nodes.length; i += 1) {
    const old = cluster.nodes[i];
    const before = traffic.samples.length;
    mark(`SIGTERM to :${old.port}`);
    old.child.kill('SIGTERM');
    exitCodes.push(await old.exited);
    mark(`:${old.port} exited`);
    const replacement: AppProcess = await startApp({ env: cluster.env, port: old.port });
    cluster.nodes[i] = replacement;
    await replacement.waitUntilReady(60_000);
    mark(`replacement on :${old.port} ready`);
    // Traffic kept flowing through the restart, and reaches the new instance through nginx
    // before the next one goes.
    await waitFor(servedSoFar(before + 300), { timeoutMs: 60_000, what: 'traffic after the restart' });
    await waitFor(async () => (await profileReads(replacement)) > 0, {
      what: `traffic through nginx to the replacement on :${old.port}`,
    });
  }
  return exitCodes;
}

/** Fails with the first failed requests and the timeline; then asks for ≥ 1,000 requests, writes among them. */
function expectNoneFailed(samples: TrafficSample[], timeline: Timeline): void {
  const failed = samples.filter((s) => s.status < 200 || s.status >= 300);
  if (failed.length > 0) {
    const start = timeline[0]?.at ?? 0;
    const relative = <T extends { at: number }>(items: T[]) => items.map((item) => ({ ...item, at: item.at - start }));
    throw new Error(
      `${failed.length} of ${samples.length} requests failed; the first 20, then the timeline (ms):\n` +
        `${JSON.stringify(relative(failed.slice(0, 20)))}\n${JSON.stringify(relative(timeline))}`,
    );
  }
  expect(samples.length).toBeGreaterThan(1_000);
  expect(samples.filter((s) => s.operation === 'write-me').length).toBeGreaterThan(200);
}

describe('rolling restart behind nginx under load', () => {
  let cluster: Cluster | undefined;
  let traffic: Traffic | undefined;
  let watcher: ReturnType<typeof watchReadiness> | undefined;
  let timeline: Timeline = [];
  const mark = (event: string) => timeline.push({ at: Date.now(), event });

  beforeEach(() => {
    timeline = [];
  });
  afterEach(async () => {
    watcher?.stop();
    await traffic?.stop();
    await cluster?.stop();
    [watcher, traffic, cluster] = [undefined, undefined, undefined];
  });

  it('restarts each of three instances in turn, nginx following readiness, without failing a request', async () => {
    ({ cluster, traffic } = await startLoadedCluster({ keyedWrites: false }));
    // nginx runs with `-p <dir>`: its config is re-rendered there.
    const args = cluster.nginx!.child.spawnargs;
    watcher = watchReadiness(cluster, args[args.indexOf('-p') + 1], Number(new URL(cluster.url).port), mark);

    const exitCodes = await restartEach(cluster, traffic, mark);
    const samples = await traffic.stop();
    traffic = undefined;

    const all = cluster.nodes.map((node) => `127.0.0.1:${node.port}`);
    await waitFor(() => watcher!.reloads.at(-1)?.length === all.length, {
      timeoutMs: 10_000,
      what: 'nginx to route to every instance again',
    });
    watcher.stop();
    expect(exitCodes).toEqual([0, 0, 0]);
    // Each instance left the upstream group while draining and came back once its replacement was ready.
    for (const upstream of all)
      expect([upstream, watcher.reloads.some((r) => !r.includes(upstream))]).toEqual([upstream, true]);
    expectNoneFailed(samples, timeline);
  });

  it('restarts each of three instances behind the compose nginx config alone, keyed writes re-sent', async () => {
    ({ cluster, traffic } = await startLoadedCluster({ keyedWrites: true }));

    const exitCodes = await restartEach(cluster, traffic, mark);
    const samples = await traffic.stop();
    traffic = undefined;

    expect(exitCodes).toEqual([0, 0, 0]);
    expectNoneFailed(samples, timeline);
  });
});
