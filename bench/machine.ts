import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { cpuMicros, ROOT } from './servers';

/** Microseconds per jiffy in /proc/stat (USER_HZ = 100). */
const JIFFY_MICROS = 10_000;

export interface CpuSnapshot {
  /** Busy and total CPU time of the whole machine, all cores, in microseconds. */
  busy: number;
  total: number;
  /** CPU time of the bench's own processes (servers, load generator, this orchestrator). */
  ours: number;
  loadAverage: number[];
  /** Share of the machine's capacity used by processes other than the bench's since `before`. */
  foreignShare(before: CpuSnapshot): number;
}

/**
 * A snapshot of machine-wide CPU use, to tell whether other work shared the cores during the
 * rounds: absolute numbers from a busy machine are low, ratios between targets much less so.
 */
export function machineCpu(pids: number[]): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const total = (user + nice + system + idle + iowait + irq + softirq + steal) * JIFFY_MICROS;
  const busy = total - (idle + iowait) * JIFFY_MICROS;
  const self = process.cpuUsage();
  const ours =
    pids.reduce((sum, pid) => {
      try {
        return sum + cpuMicros(pid);
      } catch {
        return sum;
      }
    }, 0) +
    self.user +
    self.system;
  return {
    busy,
    total,
    ours,
    loadAverage: loadavg(),
    foreignShare(before) {
      const foreign = this.busy - before.busy - (this.ours - before.ours);
      return Math.max(0, foreign / (this.total - before.total));
    },
  };
}

const versionOf = (pkg: string): string => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
};

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

export interface Environment {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  commit: string;
  packages: Record<string, string>;
  postgres?: string;
  redis?: string;
}

export async function describeEnvironment(services?: { postgresUrl: string; redisUrl: string }): Promise<Environment> {
  const env: Environment = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    commit: `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src').length > 0 ? ' (src/ modified)' : ''}`,
    packages: Object.fromEntries(
      [
        '@nestjs/core',
        'express',
        'typeorm',
        'jsonwebtoken',
        'passport-jwt',
        'nestjs-pino',
        'pino',
        'prom-client',
        '@node-rs/argon2',
        'helmet',
        'autocannon',
      ].map((p) => [p, versionOf(p)]),
    ),
  };
  if (services) {
    const pg = new Client({ connectionString: services.postgresUrl });
    await pg.connect();
    env.postgres = String((await pg.query('SHOW server_version')).rows[0].server_version);
    await pg.end();
    const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    env.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    redis.disconnect();
  }
  return env;
}
