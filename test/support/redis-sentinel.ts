import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

/** What the sentinels are told to watch; the app's REDIS_SENTINEL_NAME. */
const MASTER_NAME = 'jobs-master';
/** How long a master may not answer before a sentinel thinks it down; the quorum then makes it official. */
const DOWN_AFTER_MS = 1_000;
/** A failover not done within this is abandoned and retried by another sentinel after twice as long. */
const FAILOVER_TIMEOUT_MS = 3_000;
/** Bounds of the waits: sentinels discover each other by hello messages every 2 s, a failover takes a few seconds. */
const AGREE_TIMEOUT_MS = 30_000;

export interface RedisSentinelServers {
  /** `REDIS_SENTINELS` for the app: every sentinel as host:port. */
  sentinels: string;
  /** `REDIS_SENTINEL_NAME` for the app. */
  masterName: string;
  /** The current master as host:port, as a sentinel answers it. */
  master(): Promise<string>;
  /** A plain connection to the server at host:port (for inspecting its keys); closed by `stop`. */
  node(address: string): Redis;
  /**
   * SIGKILLs the current master, waits until every sentinel names the replica as the new
   * master and it answers as one, then restarts the old server as a replica of the new
   * master and waits until it has synced. Resolves with the old and the new address.
   */
  failover(): Promise<{ from: string; to: string }>;
  /** Stops every server and sentinel and deletes their files; safe to call after a failed start. */
  stop(): Promise<void>;
}

type Fields = Record<string, string>;

/** `SENTINEL MASTER` and `SENTINEL REPLICAS` answer flat [key, value, key, value…] lists. */
const fieldsOf = (flat: unknown): Fields => {
  const list = flat as string[];
  const fields: Fields = {};
  for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]] = list[i + 1];
  return fields;
};

/**
 * A real Sentinel-managed Redis on free loopback ports, in a temporary directory, without
 * persistence: a master, one replica (`--replicaof`) and three `redis-server --sentinel`
 * with quorum 2, so one sentinel alone can neither declare the master down nor fail it over.
 * Each sentinel gets a config file of its own, because sentinels rewrite theirs as they learn.
 */
export async function startRedisSentinel(): Promise<RedisSentinelServers> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
  /** The data servers by port: a killed one is replaced by its restart. */
  const servers = new Map<number, ChildProcess>();
  const sentinelProcesses: ChildProcess[] = [];
  const clients = new Map<string, Redis>();
  const sentinelPorts: number[] = [];

  const node = (address: string) => {
    let client = clients.get(address);
    if (!client) {
      const [host, port] = address.split(':');
      client = new Redis({ host, port: Number(port), maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      // A killed server's client reconnects until the server is back; its errors are expected.
      client.on('error', () => undefined);
      clients.set(address, client);
    }
    return client;
  };
  const sentinel = (port: number) => node(`127.0.0.1:${port}`);
  const masterOf = async (port: number) => {
    const [host, masterPort] = (await sentinel(port).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [
      string,
      string,
    ];
    return `${host}:${masterPort}`;
  };
  const spawnServer = (port: number, replicaOf?: number) => {
    // prettier-ignore
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--dbfilename', `dump-${port}.rdb`, '--daemonize', 'no',
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ];
    servers.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  };
  const exit = async (child: ChildProcess, signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  };
  const stop = async () => {
    for (const client of clients.values()) client.disconnect();
    await Promise.all([...sentinelProcesses, ...servers.values()].map((child) => exit(child, 'SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  };
  /** Every sentinel names `address` as the master, sees `replicas` healthy replicas and the two other sentinels. */
  const agreed = (address: string, replicas: number) =>
    waitFor(
      async () => {
        for (const port of sentinelPorts) {
          if ((await masterOf(port)) !== address) return false;
          const master = fieldsOf(await sentinel(port).call('SENTINEL', 'MASTER', MASTER_NAME));
          if (master.flags !== 'master' || master['num-other-sentinels'] !== '2') return false;
          const healthy = ((await sentinel(port).call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[])
            .map(fieldsOf)
            .filter((replica) => replica.flags === 'slave' && replica['master-link-status'] === 'ok');
          if (healthy.length < replicas) return false;
        }
        return true;
      },
      { timeoutMs: AGREE_TIMEOUT_MS, what: `every sentinel to see master ${address} with ${replicas} replica(s)` },
    );
  const replicaSynced = (address: string) =>
    waitFor(async () => /master_link_status:up/.test(await node(address).info('replication')), {
      timeoutMs: AGREE_TIMEOUT_MS,
      what: `replica ${address} in sync`,
    });

  try {
    const [masterPort, replicaPort] = [await freePort(), await freePort()];
    spawnServer(masterPort);
    spawnServer(replicaPort, masterPort);
    for (const port of [masterPort, replicaPort]) {
      await waitFor(async () => (await node(`127.0.0.1:${port}`).ping()) === 'PONG', {
        timeoutMs: 15_000,
        what: `redis :${port}`,
      });
    }
    await replicaSynced(`127.0.0.1:${replicaPort}`);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const config = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      sentinelProcesses.push(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }));
    }
    await agreed(`127.0.0.1:${masterPort}`, 1);
  } catch (error) {
    await stop();
    throw error;
  }

  const failover = async () => {
    const from = await masterOf(sentinelPorts[0]);
    const oldPort = Number(from.split(':')[1]);
    await exit(servers.get(oldPort)!, 'SIGKILL');
    const to = await waitFor(
      async () => {
        const named = await Promise.all(sentinelPorts.map(masterOf));
        return named.every((address) => address === named[0] && address !== from) ? named[0] : undefined;
      },
      { timeoutMs: AGREE_TIMEOUT_MS, what: `the sentinels to promote a replica of ${from}` },
    );
    await waitFor(async () => (await node(to).role())[0] === 'master', {
      timeoutMs: AGREE_TIMEOUT_MS,
      what: `${to} to answer as master`,
    });
    // A replica of the new master from its first second: restarted as a master it would be an
    // empty one, taking the writes of any client with a stale address until a sentinel demotes it.
    spawnServer(oldPort, Number(to.split(':')[1]));
    await replicaSynced(from);
    await agreed(to, 1);
    return { from, to };
  };

  return {
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    masterName: MASTER_NAME,
    master: () => masterOf(sentinelPorts[0]),
    node,
    failover,
    stop,
  };
}
