/**
 * `npm run soak`: minutes of mixed traffic (signed-in reads and writes) through nginx in
 * front of a local cluster on PostgreSQL + Redis, reporting per interval the requests,
 * errors, latency percentiles and each instance's resident memory (from /proc/<pid>/status),
 * then a summary. Exits 1 when any request failed, or when an instance's memory grew by more
 * than --max-growth MiB after the first interval (the warm-up).
 *
 *   npm run soak                                   # 3 instances, 3 minutes, 16 clients
 *   npm run soak -- --duration 20s                 # the CI version
 *   npm run soak -- --nodes 2 --clients 32 --duration 10m --interval 30s --json soak.json
 *
 * Needs the build (dist/), PostgreSQL (DATABASE_URL's server, default local) and Redis
 * (REDIS_URL, default local); nginx on PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/config/duration';
import { Cluster, startCluster } from '@tools/cluster';
import { createUsers, percentile, startTraffic, TrafficSample } from '@tools/traffic';

const ROOT = resolve(__dirname, '..');

interface Interval {
  second: number;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rssMiB: number[];
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 102.4) / 10;
  } catch {
    return 0;
  }
}

function summarise(samples: TrafficSample[]) {
  const ms = samples.map((s) => s.ms);
  return {
    requests: samples.length,
    errors: samples.filter((s) => s.status < 200 || s.status >= 300).length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    // A loop, not Math.max(...ms): a 10-minute run has more samples than a call can take arguments.
    max: ms.reduce((top, value) => (value > top ? value : top), 0),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '3m' },
      interval: { type: 'string', default: '10s' },
      nodes: { type: 'string', default: '3' },
      clients: { type: 'string', default: '16' },
      'max-growth': { type: 'string', default: '150' },
      json: { type: 'string' },
    },
  });
  const durationMs = parseDurationMs(values.duration);
  const intervalMs = parseDurationMs(values.interval);
  const nodes = Number(values.nodes);
  const clients = Number(values.clients);
  const maxGrowthMiB = Number(values['max-growth']);
  if (!durationMs || !intervalMs || !(nodes >= 1) || !(clients >= 1) || !(maxGrowthMiB > 0)) {
    throw new Error(
      'usage: npm run soak -- [--duration 3m] [--interval 10s] [--nodes 3] [--clients 16] [--max-growth 150] [--json file]',
    );
  }
  if (!existsSync(resolve(ROOT, 'dist', 'main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

  process.stdout.write(`Soak: ${nodes} instances behind nginx, ${clients} clients, ${values.duration}\n`);
  let cluster: Cluster | undefined;
  const stopAll = async () => {
    await cluster?.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    cluster = await startCluster({
      size: nodes,
      nginx: true,
      env: { LOG_LEVEL: 'warn', TRUST_PROXY: '1', THROTTLE_LIMIT: '1000000', THROTTLE_REGISTER_LIMIT: '1000000' },
    });
    const pids = () => cluster!.nodes.map((node) => node.child.pid);
    const users = await createUsers(cluster.url, Math.max(clients, 8));
    const baseline = pids().map(rssMiB);
    const started = Date.now();
    const traffic = startTraffic({ url: cluster.url, users, clients, timeoutMs: 10_000 });
    const intervals: Interval[] = [];
    let from = 0;
    process.stdout.write(
      `${'t(s)'.padStart(5)} ${'req'.padStart(7)} ${'err'.padStart(5)}  p50/p95/p99/max ms   RSS MiB per instance\n`,
    );
    while (Date.now() - started < durationMs) {
      await new Promise((done) => setTimeout(done, Math.min(intervalMs, durationMs - (Date.now() - started))));
      const slice = traffic.samples.slice(from);
      from += slice.length;
      const stats = summarise(slice);
      const interval = { second: Math.round((Date.now() - started) / 1000), ...stats, rssMiB: pids().map(rssMiB) };
      intervals.push(interval);
      process.stdout.write(
        `${String(interval.second).padStart(5)} ${String(stats.requests).padStart(7)} ${String(stats.errors).padStart(5)}  ` +
          `${`${stats.p50}/${stats.p95}/${stats.p99}/${stats.max}`.padEnd(20)} ${interval.rssMiB.join(' ')}\n`,
      );
    }
    const samples = await traffic.stop();
    const total = summarise(samples);
    const final = pids().map(rssMiB);
    // Growth after the first interval: the first seconds fill JIT caches, pools and heaps once.
    const warm = intervals[0]?.rssMiB ?? baseline;
    const growth = final.map((rss, i) => Math.round((rss - warm[i]) * 10) / 10);
    const seconds = (Date.now() - started) / 1000;
    const failures = samples.filter((s) => s.status < 200 || s.status >= 300);
    const byStatus = failures.reduce<Record<string, number>>((acc, s) => {
      const key = s.error ?? String(s.status);
      acc[key] = (acc[key] ?? 0) + 1;
      return acc;
    }, {});
    process.stdout.write(
      `\nTotal: ${total.requests} requests (${Math.round(total.requests / seconds)}/s), ${total.errors} errors` +
        `${total.errors ? ` ${JSON.stringify(byStatus)}` : ''}; latency p50 ${total.p50} ms, p95 ${total.p95} ms, ` +
        `p99 ${total.p99} ms, max ${total.max} ms\nRSS MiB per instance: before traffic ${baseline.join(' ')}, ` +
        `after the first interval ${warm.join(' ')}, end ${final.join(' ')}; ` +
        `growth since the first interval ${growth.join(' ')} (limit ${maxGrowthMiB})\n`,
    );
    if (values.json) {
      writeFileSync(
        values.json,
        JSON.stringify({ nodes, clients, seconds, total, byStatus, baseline, final, intervals }, null, 2),
      );
    }
    const tooMuchGrowth = growth.some((g) => g > maxGrowthMiB);
    if (total.errors > 0 || tooMuchGrowth || total.requests === 0) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
