/**
 * `npm run cluster`: a local cluster on loopback, the same one the cluster tests drive.
 * N instances (default 3) of the built app on one PostgreSQL database and one Redis,
 * behind nginx. Ctrl-C (or SIGTERM) stops everything.
 *
 *   npm run cluster                       # 3 nodes, nginx on 127.0.0.1:8080
 *   npm run cluster -- --nodes 5 --port 9000
 *
 * DATABASE_URL, when set, is used as it is (data survives); otherwise a fresh database is
 * created on the local PostgreSQL and dropped on exit. REDIS_URL defaults to the local
 * Redis; keys get a prefix of their own and are deleted on exit. Service settings
 * (ADMIN_EMAIL, THROTTLE_LIMIT, JWT_* …) are passed through from the environment.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster, startCluster } from '@tools/cluster';

const ROOT = resolve(__dirname, '..');
/** Settings forwarded to every node; addresses, database and Redis are the harness's. */
const FORWARDED =
  /^(NODE_ENV|LOG_LEVEL|DOCS_ENABLED$|JWT_|ADMIN_|THROTTLE_|LOGIN_|REDIS_COMMAND_TIMEOUT$|CORS_|OTEL_|SHUTDOWN_)/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: '3' }, port: { type: 'string', default: '8080' } },
  });
  const size = Number(values.nodes);
  const port = Number(values.port);
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('usage: npm run cluster -- [--nodes N] [--port PORT]');
  }
  if (!existsSync(resolve(ROOT, 'dist', 'main.js'))) {
    process.stdout.write('dist/ is missing: building first\n');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }

  const env: Record<string, string> = { LOG_LEVEL: 'warn', TRUST_PROXY: '1' };
  for (const [key, value] of Object.entries(process.env)) if (FORWARDED.test(key) && value) env[key] = value;

  process.stdout.write(`Starting ${size} instances on PostgreSQL + Redis behind nginx…\n`);
  const running: { cluster?: Cluster } = {};
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping nginx and the instances…\n`);
    await running.cluster?.stop();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const cluster = await startCluster({
    size,
    nginx: true,
    nginxPort: port,
    databaseUrl: process.env.DATABASE_URL,
    env,
  });
  running.cluster = cluster;
  for (const node of cluster.nodes) {
    node.child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(node.port, chunk)));
    node.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(node.port, chunk)));
    void node.exited.then((code) => {
      if (!stopping) process.stderr.write(`instance on port ${node.port} exited with ${code}\n`);
    });
  }
  process.stdout.write(
    [
      '',
      `Cluster ready: ${cluster.url}  (API ${cluster.url}/api/v1; docs at ${cluster.url}/docs when DOCS_ENABLED)`,
      `Instances:     ${cluster.nodes.map((node) => node.url).join('  ')}  (each with /metrics)`,
      `Database:      ${redact(cluster.databaseUrl)}${process.env.DATABASE_URL ? '' : '  (dropped on exit)'}`,
      `Redis keys:    ${cluster.redisKeyPrefix}*  (deleted on exit)`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

const prefix = (port: number, chunk: Buffer) =>
  chunk
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((line) => `[${port}] ${line}\n`)
    .join('');

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
