import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load-types';
import type { Environment } from './machine';
import type { ProfileSummary } from './profile-summary';
import type { RoundTrips } from './round-trips';
import { ROOT } from './servers';
import { median, type TargetSummary } from './stats';

export interface BenchResult {
  mode: 'quick' | 'full';
  command: string;
  startedAt: string;
  durationSec: number;
  plan: Record<string, number>;
  environment: Environment;
  machineLoad: { foreignCpuShare: number; loadAverage: number[] };
  /** The store the targets are judged on: PostgreSQL + Redis when it ran, else SQLite. */
  productionKind: string;
  /** The environment of the service under test, per store (secrets by length only). */
  serviceEnv?: Record<string, Record<string, string>>;
  /** Which Redis the service used: the bench's own server, or BENCH_REDIS_URL (whose counts include other clients'). */
  redisServer?: 'private' | 'shared';
  /** Keys the service left under its own Redis prefix: zero means it does not use Redis (yet). */
  redisKeysWritten: Record<string, number>;
  targets: TargetSummary[];
  /** The service on fastify against the service on express, both on `kind`. Absent in runs from before the fastify targets. */
  adapters?: {
    kind: string;
    /** Median over rounds of (`/users/me` req/s on fastify ÷ on express in the same round). */
    meFastifyOverExpress: number;
  };
  /** Per endpoint of the service, measured alone after the rounds. */
  roundTrips?: Array<RoundTrips & { id: string; label: string }>;
  duringLogins: Array<{
    kind: string;
    logins: LoadResult;
    health: LoadResult;
    eventLoopLag: { p99Ms: number; maxMs: number };
  }>;
  soak: { kind: string; rss: Array<{ atSec: number; bytes: number }>; load: LoadResult[] };
  profile?: ProfileSummary & { kind: string; endpoint: string };
}

export interface Verdict {
  goal: string;
  measured: string;
  met: boolean;
  gap?: string;
  /** Set on the ratios that compare the service on an HTTP adapter with that adapter's floor or with the other adapter. */
  adapter?: 'express' | 'fastify';
}

const STORE_LABEL: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL + Redis' };
/** Service groups in report order: each store on express (the default), then on fastify. */
const GROUPS = [...Object.keys(STORE_LABEL), ...Object.keys(STORE_LABEL).map((k) => `${k}-fastify`)];
/** `postgres` → "PostgreSQL + Redis", `postgres-fastify` → "fastify, PostgreSQL + Redis". */
const groupLabel = (group: string): string => {
  const [kind, adapter] = group.split('-');
  return adapter ? `${adapter}, ${STORE_LABEL[kind] ?? kind}` : (STORE_LABEL[kind] ?? kind);
};
const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const x = (n: number) => `${f(n, 2)}x`;
const mib = (bytes: number) => `${f(bytes / 2 ** 20, 1)} MiB`;

/**
 * The memory verdict compares the median RSS of the first quarter of the samples with that
 * of the last quarter: concurrent argon2 hashes (19 MiB each) and GC cycles make single
 * samples swing by tens of MiB, while a leak shows as a rising median.
 */
export function memoryChange(rss: Array<{ bytes: number }>) {
  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const start = median(rss.slice(0, quarter).map((s) => s.bytes));
  const end = median(rss.slice(-quarter).map((s) => s.bytes));
  const peak = Math.max(...rss.map((s) => s.bytes));
  return { start, end, peak, change: (end - start) / start };
}

export function evaluateTargets(result: BenchResult): Verdict[] {
  const k = result.productionKind;
  const byId = new Map(result.targets.map((t) => [t.id, t]));
  const me = byId.get(`${k}:me`);
  const health = byId.get(`${k}:health`);
  const verdicts: Verdict[] = [];
  const ratio = (goal: string, value: number | undefined, min: number, adapter?: Verdict['adapter']) => {
    const v = value ?? NaN;
    verdicts.push({
      goal,
      measured: x(v),
      met: v >= min,
      gap: v >= min ? undefined : `${f((100 * (min - v)) / min, 0)}% short (needs ${x(min)})`,
      adapter,
    });
  };
  const store = STORE_LABEL[k];
  ratio(`GET /users/me (${store}) ≥ 0.45x bare NestJS-express req/s`, me?.ratios['bare-nest'], 0.45, 'express');
  ratio(`GET /users/me (${store}) ≥ 3x typical secured stack req/s`, me?.ratios['secured-nest'], 3);
  ratio(`GET /health/live (${store}) ≥ 0.8x bare NestJS-express req/s`, health?.ratios['bare-nest'], 0.8, 'express');
  // Judged only in runs that measured the service on fastify, so older runs' reports stay as they were.
  if (result.adapters) {
    const onFastify = `${result.adapters.kind}-fastify`;
    const fastifyMe = byId.get(`${onFastify}:me`);
    const fastifyHealth = byId.get(`${onFastify}:health`);
    const onStore = STORE_LABEL[result.adapters.kind];
    ratio(
      `GET /users/me on fastify (${onStore}) ≥ 0.30x bare NestJS-fastify req/s`,
      fastifyMe?.ratios['bare-nest-fastify'],
      0.3,
      'fastify',
    );
    ratio(
      `GET /users/me on fastify (${onStore}) ≥ 3x GET /users/me on express req/s`,
      result.adapters.meFastifyOverExpress,
      3,
      'fastify',
    );
    ratio(
      `GET /health/live on fastify (${onStore}) ≥ 0.8x bare NestJS-fastify req/s`,
      fastifyHealth?.ratios['bare-nest-fastify'],
      0.8,
      'fastify',
    );
  }
  for (const d of result.duringLogins) {
    const p99 = d.health.p99Ms;
    verdicts.push({
      goal: `GET /health/live p99 < 50 ms during ${result.plan.loginConnections} concurrent logins (${STORE_LABEL[d.kind]})`,
      measured: `${f(p99, 1)} ms`,
      met: p99 < 50,
      gap: p99 < 50 ? undefined : `${f(p99 - 50, 1)} ms over`,
    });
  }
  const mem = memoryChange(result.soak.rss);
  verdicts.push({
    goal: `RSS flat within 10% over a ${result.plan.soakSec} s mixed load (${STORE_LABEL[result.soak.kind]})`,
    measured: `${mem.change >= 0 ? '+' : ''}${f(100 * mem.change, 1)}%`,
    met: Math.abs(mem.change) <= 0.1,
    gap: Math.abs(mem.change) <= 0.1 ? undefined : `${f(100 * Math.abs(mem.change) - 10, 1)} points over`,
  });
  return verdicts;
}

/** The ratio columns: one per baseline, the fastify route's only in runs that measured it. */
const RATIO_COLUMNS: Array<{ id: string; title: string }> = [
  { id: 'bare-http', title: '× node:http' },
  { id: 'bare-nest', title: '× bare Nest' },
  { id: 'bare-nest-fastify', title: '× bare Nest-fastify' },
  { id: 'secured-nest', title: '× secured stack' },
];

function resultsTable(targets: TargetSummary[], measured: string[]): string[] {
  const columns = RATIO_COLUMNS.filter((c) => measured.includes(c.id));
  return [
    `| endpoint | req/s | p50 ms | p99 ms | server CPU µs/req | ${columns.map((c) => c.title).join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ---: | ${columns.map(() => '---:').join(' | ')} |`,
    ...targets.map(
      (t) =>
        `| ${t.label} | ${f(t.requestsPerSec)} | ${f(t.p50Ms, 1)} | ${f(t.p99Ms, 1)} | ${f(t.cpuMicrosPerRequest)} | ` +
        `${columns.map((c) => x(t.ratios[c.id])).join(' | ')} |`,
    ),
  ];
}

const baselineIds = (result: BenchResult): string[] =>
  result.targets.filter((t) => t.group === 'baseline').map((t) => t.id);

/** The service's configuration: the variables every store shares, then what differs. */
function configTable(serviceEnv: Record<string, Record<string, string>>): string[] {
  const kinds = Object.keys(serviceEnv);
  const keys = [...new Set(kinds.flatMap((k) => Object.keys(serviceEnv[k])))].sort();
  return [
    `| variable | ${kinds.map(groupLabel).join(' | ')} |`,
    `| --- | ${kinds.map(() => '---').join(' | ')} |`,
    ...keys.map(
      (key) =>
        `| \`${key}\` | ${kinds.map((k) => (key in serviceEnv[k] ? `\`${serviceEnv[k][key]}\`` : 'unset')).join(' | ')} |`,
    ),
  ];
}

function roundTripsTable(trips: NonNullable<BenchResult['roundTrips']>): string[] {
  return [
    '| endpoint | Redis commands sent / request | by command | run by scripts / request | PostgreSQL transactions / request |',
    '| --- | ---: | --- | ---: | ---: |',
    ...trips.map(
      (t) =>
        `| ${t.id.split(':')[0]} ${t.label} | ${f(t.redisCommandsPerRequest, 2)} | ${
          Object.entries(t.redisByCommand)
            .sort(([, a], [, b]) => b - a)
            .map(([name, n]) => `${name} ${f(n, 2)}`)
            .join(', ') || '–'
        } | ${t.redisScriptCommandsPerRequest === undefined ? 'n/a' : f(t.redisScriptCommandsPerRequest, 2)} | ${t.pgTransactionsPerRequest === undefined ? 'n/a' : f(t.pgTransactionsPerRequest, 2)} |`,
    ),
  ];
}

function markdown(result: BenchResult, verdicts: Verdict[]): string {
  const env = result.environment;
  const p = result.plan;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (see [bench/](../bench/)); the raw numbers are in [benchmarks.json](benchmarks.json).`,
    `This is the latest full run: ${result.startedAt}, ${Math.round(result.durationSec / 60)} min, \`${result.command}\`.`,
    '',
    '## Machine and versions',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB |`,
    `| OS | Linux ${env.kernel} |`,
    `| Node.js | ${env.node} |`,
    `| commit | ${env.commit} |`,
    ...(env.postgres ? [`| PostgreSQL / Redis | ${env.postgres} / ${env.redis ?? 'n/a'} (same machine) |`] : []),
    `| packages | ${Object.entries(env.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} |`,
    `| other load | other processes used ${f(100 * result.machineLoad.foreignCpuShare)}% of the CPU capacity during the rounds; load average at the end ${result.machineLoad.loadAverage.map((l) => f(l, 2)).join(' / ')} |`,
    '',
    '## Method',
    '',
    `- Every server is its own \`node\` process, started together: bare \`node:http\`, a bare NestJS route on express and the same route on fastify (\`@nestjs/platform-fastify\`), a typical secured NestJS stack (helmet, global \`ValidationPipe\`, \`@nestjs/jwt\` guard with a string secret), and the service built from \`src/\`, on ${Object.keys(
      result.redisKeysWritten,
    )
      .map((k) => STORE_LABEL[k])
      .join(
        ' and ',
      )} on express (its default adapter), and once more with \`HTTP_ADAPTER=fastify\` on ${STORE_LABEL[result.productionKind]}. All baselines answer the same JSON body as \`/users/me\`, in production mode.`,
    '- Each adapter is judged against its own floor: the service on express against the bare NestJS-express route, the service on fastify against the bare NestJS-fastify route, and `/users/me` on fastify against `/users/me` on express, as medians of per-round ratios. The logins with probes, the memory soak, the CPU profile and the round trips run on express only.',
    '- The service runs as deployed by default (production mode, logging every request at `info` to stdout, which goes to a file; metrics; the caches; the throttler with its default `THROTTLE_TTL` and no trusted proxy, so every load connection is the same client), with only the request budget raised so the load is not refused. Its environment, secrets shown by length:',
    ...(result.serviceEnv ? ['', ...configTable(result.serviceEnv), ''] : []),
    `- autocannon runs in a process of its own, ${p.connections} connections. Each target is warmed up for ${p.warmupSec} s, then measured for ${p.roundSec} s in each of ${p.rounds} rounds; the order rotates every round. Reported: medians over rounds; ratios are medians of per-round ratios to the baseline measured in the same round.`,
    '- Server CPU per request: utime + stime of the server process (all threads, the argon2 hashing threads included) from `/proc/<pid>/stat` before and after each round, over the requests completed.',
    `- Round trips per request: each endpoint alone for ${p.roundSec} s after the rounds; Redis commands seen through \`MONITOR\` on ${result.redisServer === 'shared' ? "the shared Redis of BENCH_REDIS_URL (so they include other clients' commands)" : "a Redis server of the bench's own"} (a script call is one command sent; what the script runs inside Redis is counted apart) and PostgreSQL transactions (\`xact_commit + xact_rollback\` of the service's own database in \`pg_stat_database\`, an autocommit query is one, read once every backend had been idle for 11 s and so had flushed its counters) before and after, over the requests served.`,
    `- Redis: ${
      Object.entries(result.redisKeysWritten)
        .filter(([k]) => k === 'postgres')
        .map(([, n]) =>
          n > 0
            ? `the service wrote ${n} keys under its prefix, so rate limits and cache ran on Redis.`
            : 'REDIS_URL was set, but this build wrote no keys to Redis: throttling and the cache ran in process memory.',
        )
        .join('') || 'not part of this run.'
    }`,
    '',
    '## Results',
    '',
    '### Baselines',
    '',
    ...resultsTable(
      result.targets.filter((t) => t.group === 'baseline'),
      baselineIds(result),
    ),
  ];
  for (const group of GROUPS) {
    const rows = result.targets.filter((t) => t.group === group);
    if (rows.length === 0) continue;
    lines.push('', `### The service on ${groupLabel(group)}`, '', ...resultsTable(rows, baselineIds(result)));
  }
  if (result.roundTrips?.length) {
    lines.push('', '### Round trips per request', '', ...roundTripsTable(result.roundTrips));
  }
  lines.push(
    '',
    '## Targets',
    '',
    '| goal | measured | verdict |',
    '| --- | ---: | --- |',
    ...verdicts.map((v) => `| ${v.goal} | ${v.measured} | ${v.met ? 'met' : `**missed**: ${v.gap}`} |`),
    '',
    '## Logins and probes',
    '',
    `${p.loginConnections} connections logging in (argon2id on low-priority worker threads) while 5 connections from a load generator of their own probe \`/health/live\` at 100 req/s, ${p.loginLoadSec} s.`,
    '',
    '| store | logins/s | login p50 ms | login p99 ms | probe p50 ms | probe p99 ms | probe max ms | event-loop delay p99 / max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.duringLogins.map(
      (d) =>
        `| ${STORE_LABEL[d.kind]} | ${f(d.logins.requests / d.logins.durationSec, 1)} | ${f(d.logins.p50Ms)} | ${f(d.logins.p99Ms)} | ` +
        `${f(d.health.p50Ms, 1)} | ${f(d.health.p99Ms, 1)} | ${f(d.health.maxMs, 1)} | ` +
        `${f(d.eventLoopLag.p99Ms, 1)} / ${f(d.eventLoopLag.maxMs, 1)} |`,
    ),
  );
  const mem = memoryChange(result.soak.rss);
  lines.push(
    '',
    '## Memory',
    '',
    `${p.soakSec} s on ${STORE_LABEL[result.soak.kind]}, after the rounds: ${result.soak.load
      .map((l) => `${l.name} ${f(l.requests / l.durationSec)} req/s`)
      .join(
        ', ',
      )} at once. RSS sampled every ${p.soakSampleSec} s: median of the first quarter ${mib(mem.start)}, of the last quarter ${mib(mem.end)}, peak ${mib(mem.peak)} (${mem.change >= 0 ? '+' : ''}${f(100 * mem.change, 1)}%).`,
  );
  if (result.profile) {
    const prof = result.profile;
    lines.push(
      '',
      `## Where the time goes: ${prof.endpoint} on ${STORE_LABEL[prof.kind]}`,
      '',
      `V8 CPU profile of the service's main thread during a ${p.profileSec} s round (main thread busy ${f(prof.busyPercent)}% of the time). Self time, as a share of busy time:`,
      '',
      '| by package | self % |',
      '| --- | ---: |',
      ...prof.byPackage.map((s) => `| ${s.name} | ${f(s.percent, 1)} |`),
      '',
      '| top functions | self % |',
      '| --- | ---: |',
      ...prof.topFunctions.map((s) => `| \`${s.name.replace(/\|/g, '\\|')}\` | ${f(s.percent, 1)} |`),
    );
  }
  const notes = join(ROOT, 'bench', 'analysis.md');
  if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trim());
  return `${lines.join('\n')}\n`;
}

const verdictLine = (v: Verdict) =>
  `${v.met ? 'met    ' : 'MISSED '} ${v.goal}: ${v.measured}${v.gap ? ` (${v.gap})` : ''}`;

function consoleSummary(result: BenchResult, verdicts: Verdict[]): void {
  console.log('');
  for (const [group, env] of Object.entries(result.serviceEnv ?? {})) {
    console.log(`The service on ${groupLabel(group)} ran with:`);
    for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);
  }
  console.log('');
  for (const group of ['baseline', ...GROUPS]) {
    const rows = result.targets.filter((t) => t.group === group);
    if (rows.length === 0) continue;
    console.log(group === 'baseline' ? 'Baselines:' : `The service on ${groupLabel(group)}:`);
    for (const line of resultsTable(rows, baselineIds(result))) console.log(line);
    console.log('');
  }
  if (result.roundTrips?.length) {
    for (const line of roundTripsTable(result.roundTrips)) console.log(line);
    console.log('');
  }
  if (result.mode === 'quick') {
    console.log('Speed is not judged in --quick: one short round on a cold process says nothing about it.');
    // Printed all the same, so a change to either adapter can be looked at without a full run.
    console.log('The HTTP adapter ratios of this round, next to their targets (not a measurement):');
    for (const v of verdicts.filter((v) => v.adapter)) console.log(`  ${verdictLine(v)}`);
    return;
  }
  for (const v of verdicts) console.log(verdictLine(v));
}

/** The report lives in docs/, which `npm run format:check` covers: it is written in the project's style. */
function writeMarkdown(file: string, text: string): void {
  writeFileSync(file, text);
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--write', file], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}

/** Regenerates docs/benchmarks.md from the last full run's JSON, e.g. after bench/analysis.md changed. */
export function rewriteReport(): void {
  const result = JSON.parse(readFileSync(join(ROOT, 'docs', 'benchmarks.json'), 'utf8')) as BenchResult;
  writeMarkdown(join(ROOT, 'docs', 'benchmarks.md'), markdown(result, evaluateTargets(result)));
}

/**
 * A full run rewrites docs/benchmarks.md and docs/benchmarks.json; a quick run only leaves
 * its raw result in bench/results/ (ignored by git), since it measures nothing worth keeping.
 */
export function writeReport(result: BenchResult, options: { quick: boolean; problems: string[] }): void {
  const verdicts = evaluateTargets(result);
  consoleSummary(result, verdicts);
  const json = `${JSON.stringify({ ...result, verdicts }, null, 2)}\n`;
  if (options.quick || options.problems.length > 0) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${result.mode}.raw.json`), json);
    return;
  }
  writeFileSync(join(ROOT, 'docs', 'benchmarks.json'), json);
  writeMarkdown(join(ROOT, 'docs', 'benchmarks.md'), markdown(result, verdicts));
}
