import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

const run = promisify(execFile);

export interface RedisClusterServers {
  /** Client ports of the masters. */
  ports: number[];
  /** `REDIS_CLUSTER_NODES` for the app: every master as host:port. */
  nodes: string;
  /** A plain connection to one master (for inspecting its keys); closed by `stop`. */
  node(port: number): Redis;
  /** Stops every server and deletes their files; safe to call after a failed start. */
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters (no replicas) on free loopback ports, in a
 * temporary directory, without persistence: `redis-server --cluster-enabled yes` per node,
 * then `redis-cli --cluster create`, then wait until every node reports `cluster_state:ok`.
 * Bus ports are chosen explicitly: port + 10000 may lie beyond 65535 for an ephemeral port.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterServers> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const servers: ChildProcess[] = [];
  const clients = new Map<number, Redis>();
  const ports: number[] = [];
  const stop = async () => {
    for (const client of clients.values()) client.disconnect();
    await Promise.all(
      servers.map(async (server) => {
        if (server.exitCode !== null || server.signalCode !== null) return;
        const exited = new Promise((done) => server.once('exit', done));
        server.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const node = (port: number) => {
    let client = clients.get(port);
    if (!client) {
      client = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1 });
      clients.set(port, client);
    }
    return client;
  };

  try {
    for (let i = 0; i < masters; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      // prettier-ignore
      const args = [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '5000', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      ];
      servers.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      await waitFor(async () => (await node(port).ping()) === 'PONG', { timeoutMs: 15_000, what: `redis :${port}` });
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    for (const port of ports) {
      await waitFor(async () => (await node(port).cluster('INFO')).includes('cluster_state:ok'), {
        what: `cluster_state:ok on :${port}`,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), node, stop };
}
