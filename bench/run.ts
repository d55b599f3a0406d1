/**
 * `npm run bench`: the service in production mode against four baselines in the same run
 * (bare node:http, a bare NestJS route on express and on fastify, a typical secured NestJS
 * stack), measured in interleaved rounds so that noise from a shared machine lands on every
 * target alike, and reported as medians and ratios. The service runs on express (its
 * default) on each store, and with `HTTP_ADAPTER=fastify` on the production store, so each
 * adapter is compared with its own bare route and the two adapters with each other.
 * `--quick` is the CI smoke run: one short round, no judgement of speed, a non-zero exit
 * when anything answered wrongly or not at all.
 *
 *   --quick                one 1 s round per target, short soak, no profile; results in bench/results/
 *   --only=sqlite|postgres one store instead of both
 *   --no-build             reuse the last private build
 *   --no-profile           skip the CPU profile of the /users/me round
 *   --report               only rewrite docs/benchmarks.md from docs/benchmarks.json (after editing bench/analysis.md)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { waitFor } from '@tools/wait-for';
import {
  APP_ENTRY,
  appGroup,
  AppUnderTest,
  buildApp,
  printableEnv,
  startAppUnderTest,
  StoreKind,
} from './app-under-test';
import { LoadWorker, startLoadWorker } from './load-client';
import type { LoadScenario } from './load-types';
import { describeEnvironment, machineCpu } from './machine';
import { summariseProfile } from './profile-summary';
import { BenchResult, rewriteReport, writeReport } from './report';
import { pgStatsSettled, pgTransactions, roundTrips, startPrivateRedis, watchRedisCommands } from './round-trips';
import { cpuMicros, rssBytes, Server, startServer, TS_NODE } from './servers';
import { RoundSample, roundRatio, summarise } from './stats';

/** Durations in seconds. */
type Plan = {
  rounds: number;
  roundSec: number;
  warmupSec: number;
  connections: number;
  /** Concurrent logins while the probe runs; 50 in the full run, as the target says. */
  loginConnections: number;
  loginLoadSec: number;
  soakSec: number;
  soakSampleSec: number;
  profileSec: number;
};

const FULL: Plan = {
  rounds: 5,
  roundSec: 4,
  warmupSec: 3,
  connections: 50,
  loginConnections: 50,
  loginLoadSec: 10,
  soakSec: 120,
  soakSampleSec: 5,
  profileSec: 8,
};
const QUICK: Plan = {
  rounds: 1,
  roundSec: 1,
  warmupSec: 0.5,
  connections: 10,
  loginConnections: 4,
  loginLoadSec: 3,
  soakSec: 3,
  soakSampleSec: 1,
  profileSec: 0,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.split('=')[1] as StoreKind | undefined;
const kinds: StoreKind[] = only ? [only] : ['sqlite', 'postgres'];
/** `--rounds=2 --roundSec=2 …` override single plan fields, for shorter runs while working on a hot path. */
const plan: Plan = { ...(quick ? QUICK : FULL) };
for (const arg of args) {
  const [, key, value] = /^--(\w+)=([\d.]+)$/.exec(arg) ?? [];
  if (key && key in plan) plan[key as keyof Plan] = Number(value);
}
const profiling = !quick && !args.includes('--no-profile');
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Unset: a redis-server of the bench's own, so its command counts are the service's alone. */
const sharedRedisUrl = process.env.BENCH_REDIS_URL;
const BASELINE_SECRET = 'baseline-jwt-secret-7f3a9c1e5b2d8f4a6c0e9b1d3f5a7c9e';

interface Target {
  id: string;
  label: string;
  group: string;
  server: Server;
  scenario: (durationSec: number) => LoadScenario;
}

const log = (message: string) => console.log(`[bench] ${message}`);

async function measure(worker: LoadWorker, target: Target, seconds: number, round: number): Promise<RoundSample> {
  const pid = target.server.child.pid!;
  const before = cpuMicros(pid);
  const [load] = await worker.run([target.scenario(seconds)]);
  const used = cpuMicros(pid) - before;
  return {
    round,
    load,
    requestsPerSec: load.requests / load.durationSec,
    cpuMicrosPerRequest: load.requests > 0 ? used / load.requests : NaN,
  };
}

function appTargets(app: AppUnderTest, connections: number): Target[] {
  const base = app.server.url;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (name: string, path: string, headers?: Record<string, string>) => (durationSec: number) => ({
    name,
    url: `${base}${path}`,
    headers,
    connections,
    durationSec,
  });
  const k = app.group;
  return [
    {
      id: `${k}:health`,
      label: 'GET /health/live',
      group: k,
      server: app.server,
      scenario: get('health', '/health/live'),
    },
    {
      id: `${k}:me`,
      label: 'GET /api/v1/users/me (user)',
      group: k,
      server: app.server,
      scenario: get('me', '/api/v1/users/me', bearer(app.userToken)),
    },
    {
      id: `${k}:users`,
      label: 'GET /api/v1/users?limit=20 (admin)',
      group: k,
      server: app.server,
      scenario: get('users', '/api/v1/users?limit=20', bearer(app.adminToken)),
    },
    {
      id: `${k}:login`,
      label: 'POST /api/v1/auth/login',
      group: k,
      server: app.server,
      scenario: (durationSec) => ({
        name: 'login',
        url: `${base}/api/v1/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(app.login),
        connections,
        durationSec,
      }),
    },
  ];
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const workDir = mkdtempSync(join(tmpdir(), 'bench-'));
  log(`work dir ${workDir}; ${quick ? 'quick' : 'full'} run on ${kinds.join(' and ')}`);
  if (!args.includes('--no-build') || !existsSync(APP_ENTRY)) {
    log('building the service');
    buildApp();
  }

  const servers: Server[] = [];
  const apps: AppUnderTest[] = [];
  const privateRedis = sharedRedisUrl || !kinds.includes('postgres') ? undefined : await startPrivateRedis(workDir);
  const redisUrl = sharedRedisUrl ?? privateRedis?.url ?? '';
  // The service on fastify gets a Redis of its own too: its queue workers' polling would
  // otherwise land in the round trips counted on the express service's Redis.
  const fastifyRedis = sharedRedisUrl || !kinds.includes('postgres') ? undefined : await startPrivateRedis(workDir);
  const worker = startLoadWorker();
  // The probe during logins has a process of its own, as a kubelet would: timed from the
  // login generator's event loop, its latency included that loop's own backlog.
  const probeWorker = startLoadWorker();
  try {
    // Baselines: the same JSON body, each on a route at `/`.
    const securedToken = new JwtService({ secret: BASELINE_SECRET }).sign({ sub: 'bench' }, { expiresIn: '2h' });
    const baselineSpecs = [
      { id: 'bare-http', label: 'bare node:http', file: 'bare-http.ts', headers: undefined },
      { id: 'bare-nest', label: 'bare NestJS-express route', file: 'bare-nest.ts', headers: undefined },
      {
        id: 'bare-nest-fastify',
        label: 'bare NestJS-fastify route',
        file: 'bare-nest-fastify.ts',
        headers: undefined,
      },
      {
        id: 'secured-nest',
        label: 'typical secured NestJS (helmet, ValidationPipe, @nestjs/jwt string secret)',
        file: 'secured-nest.ts',
        headers: { authorization: `Bearer ${securedToken}` },
      },
    ];
    // Booted together: a ts-node or Nest boot is mostly waiting, and a quick run must stay short.
    const productionKind: StoreKind = kinds.includes('postgres') ? 'postgres' : 'sqlite';
    const profileFile = join(workDir, 'users-me.cpuprofile');
    log(`starting the baselines and the service on ${kinds.join(' and ')}`);
    const booting = [
      ...baselineSpecs.map(async (spec): Promise<Target> => {
        const server = await startServer({
          name: spec.id,
          args: [...TS_NODE, join(__dirname, 'baselines', spec.file)],
          env: { NODE_ENV: 'production', BASELINE_JWT_SECRET: BASELINE_SECRET },
          logFile: join(workDir, `${spec.id}.log`),
          readyPath: '/',
          readyHeaders: spec.headers,
          timeoutMs: 120_000,
        });
        servers.push(server);
        return {
          id: spec.id,
          label: spec.label,
          group: 'baseline',
          server,
          scenario: (durationSec) => ({
            name: spec.id,
            url: `${server.url}/`,
            headers: spec.headers,
            connections: plan.connections,
            durationSec,
          }),
        };
      }),
      ...kinds.map(async (kind): Promise<Target[]> => {
        const profiled = profiling && kind === productionKind;
        const app = await startAppUnderTest({
          kind,
          workDir,
          postgresUrl,
          redisUrl,
          nodeArgs: profiled ? ['-r', join(__dirname, 'cpu-profile-hook.js')] : [],
          env: profiled ? { BENCH_CPU_PROFILE: profileFile } : {},
        });
        apps.push(app);
        return appTargets(app, plan.connections);
      }),
      // The other adapter on the production store only: the comparison the adapter targets are judged on.
      (async (): Promise<Target[]> => {
        const app = await startAppUnderTest({
          kind: productionKind,
          adapter: 'fastify',
          workDir,
          postgresUrl,
          redisUrl: sharedRedisUrl ?? fastifyRedis?.url ?? '',
        });
        apps.push(app);
        return appTargets(app, plan.connections);
      })(),
    ];
    const settled = await Promise.allSettled(booting);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const booted = settled.map((r) => (r as PromiseFulfilledResult<Target | Target[]>).value);
    const baselines = booted.filter((t): t is Target => !Array.isArray(t));
    const groups = [...kinds.map((k) => appGroup(k, 'express')), appGroup(productionKind, 'fastify')];
    apps.sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group));
    // Round trips, logins under load, the soak and the profile: on the default adapter only.
    const expressApps = apps.filter((a) => a.adapter === 'express');
    const targets = [...baselines, ...apps.flatMap((app) => appTargets(app, plan.connections))];
    const serviceEnv = Object.fromEntries(apps.map((a) => [a.group, printableEnv(a.env)]));
    for (const [group, env] of Object.entries(serviceEnv)) {
      log(
        `service on ${group} runs with: ${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    }

    log(`warming up ${targets.length} targets`);
    for (const target of targets) await measure(worker, target, plan.warmupSec, -1);

    const samples = new Map<string, RoundSample[]>(targets.map((t) => [t.id, []]));
    const ourPids = () =>
      [...servers, ...apps.map((a) => a.server)]
        .map((s) => s.child.pid!)
        .concat(worker.child.pid!, probeWorker.child.pid!);
    const cpuBefore = machineCpu(ourPids());
    for (let round = 0; round < plan.rounds; round++) {
      // Rotated each round, so no target always follows the same neighbour.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        const sample = await measure(worker, target, plan.roundSec, round);
        samples.get(target.id)!.push(sample);
      }
      log(`round ${round + 1}/${plan.rounds} done`);
    }
    const cpuAfter = machineCpu(ourPids());

    // Round trips per request, each endpoint alone: Redis commands as they arrive, and
    // PostgreSQL transactions from counters read while every backend had flushed its own.
    const trips: BenchResult['roundTrips'] = [];
    for (const app of expressApps) {
      const transactions = async () => {
        if (!app.database) return undefined;
        await pgStatsSettled(postgresUrl, app.database);
        return pgTransactions(postgresUrl, app.database);
      };
      for (const target of appTargets(app, plan.connections)) {
        const pgBefore = await transactions();
        const watch = app.kind === 'postgres' ? await watchRedisCommands(redisUrl) : undefined;
        const [load] = await worker.run([target.scenario(plan.roundSec)]);
        const redis = watch?.stop() ?? { sent: {}, byScripts: 0 };
        const pgAfter = await transactions();
        trips.push({
          id: target.id,
          label: target.label,
          ...roundTrips(
            { redis: {}, pgTransactions: pgBefore },
            { redis: redis.sent, pgTransactions: pgAfter },
            load.requests,
          ),
          redisScriptCommandsPerRequest: watch ? redis.byScripts / load.requests : undefined,
        });
      }
    }
    for (const t of trips) {
      const pg =
        t.pgTransactionsPerRequest === undefined
          ? ''
          : `, ${t.pgTransactionsPerRequest.toFixed(2)} PostgreSQL transactions`;
      log(`${t.id}: ${t.redisCommandsPerRequest.toFixed(2)} Redis commands${pg} per request`);
    }

    const baselineSamples = Object.fromEntries(baselines.map((b) => [b.id, samples.get(b.id)!]));
    const summaries = targets.map((t) => summarise(t, samples.get(t.id)!, baselineSamples));
    const meOn = (group: string) => samples.get(`${group}:me`)!;
    const adapters: BenchResult['adapters'] = {
      kind: productionKind,
      meFastifyOverExpress: roundRatio(
        meOn(appGroup(productionKind, 'fastify')),
        meOn(appGroup(productionKind, 'express')),
      ),
    };

    // Logins hash with argon2 on low-priority worker threads; the event loop must keep answering probes meanwhile.
    const duringLogins: BenchResult['duringLogins'] = [];
    for (const app of expressApps) {
      const login = appTargets(app, plan.loginConnections).find((t) => t.id.endsWith(':login'))!;
      // A scrape resets prom-client's event-loop delay histogram, so the next one covers exactly the logins.
      await eventLoopLag(app.server.url);
      const [[logins], [health]] = await Promise.all([
        worker.run([login.scenario(plan.loginLoadSec)]),
        probeWorker.run([
          {
            name: 'health',
            url: `${app.server.url}/health/live`,
            connections: 5,
            rate: 100,
            durationSec: plan.loginLoadSec,
          },
        ]),
      ]);
      duringLogins.push({ kind: app.kind, logins, health, eventLoopLag: await eventLoopLag(app.server.url) });
    }

    // Memory over a sustained mixed load on the production configuration.
    const soakApp = expressApps.find((a) => a.kind === productionKind)!;
    log(`memory soak on ${soakApp.kind} for ${plan.soakSec} s`);
    const soakTargets = appTargets(soakApp, 1);
    const mix = (id: string, connections: number) => ({
      ...soakTargets.find((t) => t.id.endsWith(id))!.scenario(plan.soakSec),
      connections,
    });
    const pid = soakApp.server.child.pid!;
    const rss: Array<{ atSec: number; bytes: number }> = [];
    const soakStart = Date.now();
    const sampler = setInterval(
      () => rss.push({ atSec: (Date.now() - soakStart) / 1000, bytes: rssBytes(pid) }),
      plan.soakSampleSec * 1000,
    );
    const soakLoad = await worker
      .run([mix(':me', 30), mix(':users', 15), mix(':login', 5)])
      .finally(() => clearInterval(sampler));

    let profile: BenchResult['profile'];
    if (profiling) {
      const app = expressApps.find((a) => a.kind === productionKind)!;
      const me = appTargets(app, plan.connections).find((t) => t.id.endsWith(':me'))!;
      log('profiling GET /users/me');
      app.server.child.kill('SIGUSR2');
      await waitFor(() => existsSync(`${profileFile}.started`), { timeoutMs: 15_000, what: 'the CPU profiler' });
      await worker.run([me.scenario(plan.profileSec)]);
      app.server.child.kill('SIGUSR2');
      await waitFor(() => existsSync(profileFile), { timeoutMs: 15_000, what: 'the CPU profile' });
      profile = { kind: app.kind, endpoint: me.label, ...summariseProfile(profileFile) };
    }

    const redisKeys = Object.fromEntries(
      await Promise.all(expressApps.map(async (a) => [a.kind, await a.redisKeys()])),
    );
    const result: BenchResult = {
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
      startedAt: startedAt.toISOString(),
      durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000),
      plan,
      environment: await describeEnvironment(kinds.includes('postgres') ? { postgresUrl, redisUrl } : undefined),
      machineLoad: {
        foreignCpuShare: cpuAfter.foreignShare(cpuBefore),
        loadAverage: cpuAfter.loadAverage,
      },
      productionKind,
      serviceEnv,
      redisServer: sharedRedisUrl ? 'shared' : 'private',
      redisKeysWritten: redisKeys,
      roundTrips: trips,
      targets: summaries,
      adapters,
      duringLogins,
      soak: { kind: soakApp.kind, rss, load: soakLoad },
      profile,
    };
    const problems = sanityProblems(result);
    writeReport(result, { quick, problems });
    if (problems.length > 0) {
      console.error(`[bench] FAILED:\n  - ${problems.join('\n  - ')}\n  logs in ${workDir}`);
      process.exitCode = 1;
    } else if (!args.includes('--keep')) {
      rmSync(workDir, { recursive: true, force: true });
    }
  } finally {
    worker.stop();
    probeWorker.stop();
    await Promise.all([...servers.map((s) => s.stop()), ...apps.map((a) => a.dispose())]);
    await privateRedis?.stop();
    await fastifyRedis?.stop();
  }
}

/**
 * The service's own event-loop delay (p99 and max, ms) since the previous scrape: it tells
 * a blocked event loop apart from a probe that waited for a CPU on a crowded machine.
 */
async function eventLoopLag(url: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => 1000 * Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { p99Ms: read('nodejs_eventloop_lag_p99_seconds'), maxMs: read('nodejs_eventloop_lag_max_seconds') };
}

/** What the quick run asserts: every target answered, with 2xx only, and the side runs did too. */
function sanityProblems(result: BenchResult): string[] {
  const problems: string[] = [];
  const check = (what: string, r: { requests: number; non2xx: number; errors: number }) => {
    if (!(r.requests > 0)) problems.push(`${what}: no requests completed`);
    if (r.non2xx > 0) problems.push(`${what}: ${r.non2xx} non-2xx responses`);
    if (r.errors > 0) problems.push(`${what}: ${r.errors} errors or timeouts`);
  };
  for (const t of result.targets) check(`${t.group} ${t.label}`, t);
  for (const d of result.duringLogins) {
    check(`${d.kind} logins under load`, { ...d.logins, errors: d.logins.errors + d.logins.timeouts });
    check(`${d.kind} health during logins`, { ...d.health, errors: d.health.errors + d.health.timeouts });
  }
  for (const l of result.soak.load) check(`soak ${l.name}`, { ...l, errors: l.errors + l.timeouts });
  if (result.soak.rss.length === 0 || result.soak.rss.some((s) => !(s.bytes > 0))) {
    problems.push('soak: no memory samples');
  }
  return problems;
}

(args.includes('--report') ? Promise.resolve(rewriteReport()) : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
