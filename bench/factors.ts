/**
 * `npm run bench:factors`: what each setting the bench once changed from a default
 * deployment does to `GET /api/v1/users/me`, against a bare NestJS-express route in the
 * same interleaved rounds, under three loads: autocannon with 50 connections (what
 * `npm run bench` uses), wrk with 50 (`-t2`), and autocannon with 10 (`--quick`). The
 * variants run at once, as processes of their own:
 *
 *   old         THROTTLE_TTL=1s, TRUST_PROXY=loopback, one X-Forwarded-For address per
 *               connection (a client each): what `npm run bench` measured until it was changed
 *   default-1s  a default deployment (TRUST_PROXY off: every connection is one client)
 *               with THROTTLE_TTL=1s
 *   default     a default deployment; only the request budget raised (BENCH_OVERRIDES)
 *
 *   --rounds=6 --roundSec=3 --warmupSec=2
 *   --only=sqlite|postgres  one store instead of both
 *   --no-wrk                autocannon only
 *   --no-build              reuse the last private build
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_ENTRY, AppUnderTest, buildApp, printableEnv, startAppUnderTest, StoreKind } from './app-under-test';
import { LoadWorker, startLoadWorker } from './load-client';
import { machineCpu } from './machine';
import { redisCommandStats, roundTrips, startPrivateRedis } from './round-trips';
import { cpuMicros, Server, startServer, TS_NODE } from './servers';
import { median } from './stats';

const args = process.argv.slice(2);
const num = (name: string, fallback: number) =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const plan = {
  rounds: num('rounds', 6),
  roundSec: num('roundSec', 3),
  warmupSec: num('warmupSec', 2),
};
const only = args.find((a) => a.startsWith('--only='))?.split('=')[1] as StoreKind | undefined;
const kinds: StoreKind[] = only ? [only] : ['postgres', 'sqlite'];
interface Load {
  name: string;
  generator: 'autocannon' | 'wrk';
  connections: number;
}
const ALL_LOADS: Load[] = [
  { name: 'autocannon -c50', generator: 'autocannon', connections: 50 },
  { name: 'wrk -c50 -t2', generator: 'wrk', connections: 50 },
  { name: 'autocannon -c10', generator: 'autocannon', connections: 10 },
];
const LOADS = ALL_LOADS.filter((l) => l.generator !== 'wrk' || !args.includes('--no-wrk'));
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Variant {
  name: string;
  env: Record<string, string>;
  distinctClients: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'old', env: { THROTTLE_TTL: '1s', TRUST_PROXY: 'loopback' }, distinctClients: true },
  { name: 'default-1s', env: { THROTTLE_TTL: '1s' }, distinctClients: false },
  { name: 'default', env: {}, distinctClients: false },
];

interface Target {
  id: string;
  server: Server;
  url: string;
  headers?: Record<string, string>;
  distinctClients: boolean;
  redis: boolean;
}

interface Sample {
  round: number;
  load: string;
  requestsPerSec: number;
  cpuMicrosPerRequest: number;
  redisCommandsPerRequest?: number;
  non2xx: number;
  errors: number;
}

const log = (message: string) => console.log(`[factors] ${message}`);

/** autocannon in the load worker; distinct clients get one X-Forwarded-For address per connection. */
async function runAutocannon(worker: LoadWorker, target: Target, connections: number, seconds: number) {
  const [load] = await worker.run([
    {
      name: target.id,
      url: target.url,
      headers: target.headers,
      connections,
      durationSec: seconds,
      distinctClients: target.distinctClients,
    },
  ]);
  return load;
}

/** wrk with two threads; distinct clients cycle 50 X-Forwarded-For addresses per thread. */
async function runWrk(target: Target, connections: number, seconds: number, script: string) {
  const headerArgs = Object.entries(target.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const { stdout } = await promisify(execFile)('wrk', [
    `-c${connections}`,
    '-t2',
    `-d${seconds}s`,
    ...headerArgs,
    ...(target.distinctClients ? ['-s', script] : []),
    target.url,
  ]);
  const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
  if (!total) throw new Error(`unreadable wrk output:\n${stdout}`);
  const durationSec = Number(total[2]) / (total[3] === 'ms' ? 1000 : 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requests: Number(total[1]),
    durationSec,
    non2xx,
    errors: errors ? errors.slice(1, 4).reduce((a, b) => a + Number(b), 0) : 0,
    timeouts: Number(errors?.[4] ?? 0),
  };
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-factors-'));
  if (!args.includes('--no-build') || !existsSync(APP_ENTRY)) buildApp();
  const wrkScript = join(workDir, 'distinct-clients.lua');
  writeFileSync(
    wrkScript,
    [
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      '  wrk.headers["X-Forwarded-For"] = "10.1.0." .. (n % 50 + 1)',
      '  return wrk.format()',
      'end',
      '',
    ].join('\n'),
  );
  const redis = await startPrivateRedis(workDir);
  const worker = startLoadWorker();
  const apps: Array<{ app: AppUnderTest; variant: Variant }> = [];
  let baseline: Server | undefined;
  try {
    log(`starting bare Nest and ${VARIANTS.length} variants on ${kinds.join(' and ')}`);
    const [bare] = await Promise.all([
      startServer({
        name: 'bare-nest',
        args: [...TS_NODE, join(__dirname, 'baselines', 'bare-nest.ts')],
        env: { NODE_ENV: 'production' },
        logFile: join(workDir, 'bare-nest.log'),
        readyPath: '/',
        timeoutMs: 120_000,
      }),
      ...kinds.flatMap((kind) =>
        VARIANTS.map(async (variant) => {
          const app = await startAppUnderTest({
            kind,
            name: variant.name,
            workDir,
            postgresUrl,
            redisUrl: redis.url,
            env: variant.env,
          });
          apps.push({ app, variant });
        }),
      ),
    ]);
    baseline = bare;
    apps.sort((a, b) => a.app.server.url.localeCompare(b.app.server.url));
    for (const { app, variant } of apps) {
      log(`${app.kind}/${variant.name}: ${JSON.stringify(printableEnv(app.env))}`);
    }
    const targets: Target[] = [
      { id: 'bare-nest', server: bare, url: `${bare.url}/`, distinctClients: false, redis: false },
      ...apps.map(({ app, variant }) => ({
        id: `${app.kind}/${variant.name}`,
        server: app.server,
        url: `${app.server.url}/api/v1/users/me`,
        headers: { authorization: `Bearer ${app.userToken}` },
        distinctClients: variant.distinctClients,
        redis: app.kind === 'postgres',
      })),
    ];

    const measure = async (target: Target, loadKind: Load, seconds: number, round: number) => {
      const pid = target.server.child.pid!;
      const redisBefore = target.redis ? await redisCommandStats(redis.url) : undefined;
      const cpuBefore = cpuMicros(pid);
      const load =
        loadKind.generator === 'wrk'
          ? await runWrk(target, loadKind.connections, seconds, wrkScript)
          : await runAutocannon(worker, target, loadKind.connections, seconds);
      const cpu = cpuMicros(pid) - cpuBefore;
      const redisAfter = redisBefore ? await redisCommandStats(redis.url) : undefined;
      const sample: Sample = {
        round,
        load: loadKind.name,
        requestsPerSec: load.requests / load.durationSec,
        cpuMicrosPerRequest: cpu / load.requests,
        redisCommandsPerRequest:
          redisBefore && redisAfter
            ? roundTrips({ redis: redisBefore }, { redis: redisAfter }, load.requests).redisCommandsPerRequest
            : undefined,
        non2xx: load.non2xx,
        errors: load.errors + load.timeouts,
      };
      return sample;
    };

    log('warming up');
    for (const target of targets) await measure(target, LOADS[0], plan.warmupSec, -1);
    const samples = new Map<string, Sample[]>(targets.map((t) => [t.id, []]));
    const ours = () => [bare, ...apps.map((a) => a.app.server)].map((s) => s.child.pid!);
    const cpuStart = machineCpu(ours());
    for (let round = 0; round < plan.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        for (const load of round % 2 ? [...LOADS].reverse() : LOADS) {
          samples.get(target.id)!.push(await measure(target, load, plan.roundSec, round));
        }
      }
      log(`round ${round + 1}/${plan.rounds} done`);
    }
    const cpuEnd = machineCpu(ours());

    const f = (n: number | undefined, d = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : 'n/a');
    const rows: string[][] = [];
    for (const { name: load } of LOADS) {
      const base = samples.get('bare-nest')!.filter((s) => s.load === load);
      const baseByRound = new Map(base.map((s) => [s.round, s]));
      for (const target of targets) {
        const own = samples.get(target.id)!.filter((s) => s.load === load);
        const pick = (fn: (s: Sample) => number | undefined) => median(own.map((s) => fn(s) ?? NaN));
        const ratio = (fn: (s: Sample) => number) =>
          median(own.map((s) => fn(s) / fn(baseByRound.get(s.round) ?? ({} as Sample))));
        rows.push([
          load,
          target.id,
          f(pick((s) => s.requestsPerSec)),
          f(
            ratio((s) => s.requestsPerSec),
            2,
          ),
          f(pick((s) => s.cpuMicrosPerRequest)),
          f(
            ratio((s) => s.cpuMicrosPerRequest),
            2,
          ),
          f(
            pick((s) => s.redisCommandsPerRequest),
            2,
          ),
          f(own.reduce((a, s) => a + s.non2xx + s.errors, 0)),
          own.map((s) => f(s.requestsPerSec / (baseByRound.get(s.round)?.requestsPerSec ?? NaN), 2)).join(' '),
        ]);
      }
    }
    const header = [
      'load',
      'target',
      'req/s',
      '× bare req/s',
      'CPU µs/req',
      'CPU × bare',
      "Redis cmd/req (scripts' inner ones included)",
      'refused/errors',
      'per-round × bare',
    ];
    const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
    console.log(
      `\n${plan.rounds} rounds of ${plan.roundSec} s per target and load; processes other than the servers (load generators, PostgreSQL, Redis, other users) used ` +
        `${(100 * cpuEnd.foreignShare(cpuStart)).toFixed(0)}% of the CPU meanwhile; load average ` +
        `${cpuEnd.loadAverage.map((l) => l.toFixed(2)).join(' / ')}\n`,
    );
    console.log(lines.join('\n'));
  } finally {
    worker.stop();
    await Promise.all([baseline?.stop(), ...apps.map((a) => a.app.dispose())]);
    await redis.stop();
    if (!args.includes('--keep')) rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
