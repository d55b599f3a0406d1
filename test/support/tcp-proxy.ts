import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * How the proxy treats traffic right now:
 * - `pass`: forwards bytes both ways (after `latencyMs`, when set);
 * - `blackhole`: a partition. Connections are accepted but no byte crosses: the proxy stops
 *   reading, so the kernel holds what was sent, as TCP retransmits into a dead path. When
 *   the path heals (`pass`), held bytes flow on, as they would after a real partition;
 * - `refuse`: every connection, open or new, is reset, as when the server's host is down.
 */
export type ProxyMode = 'pass' | 'blackhole' | 'refuse';

export interface TcpProxy {
  readonly port: number;
  /** `127.0.0.1:<port>` for a URL. */
  readonly address: string;
  /** Points new connections at another server; open ones stay where they are. */
  retarget(port: number, host?: string): void;
  /** Changes the fault for open and new connections. */
  setMode(mode: ProxyMode, options?: { latencyMs?: number }): void;
  /** Resets every open connection (both sides); new ones are served by the current mode. */
  dropConnections(): void;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server?: Socket;
}

/**
 * A TCP proxy on a free loopback port, standing for what sits between a service and its
 * database in production: a virtual IP or DNS name an operator repoints after a failover,
 * and the network path that can turn slow or stop carrying packets. Tests point
 * DATABASE_URL or REDIS_URL at it and change its target or mode while the service runs.
 */
export async function startTcpProxy(target: { port: number; host?: string }): Promise<TcpProxy> {
  let upstream = { port: target.port, host: target.host ?? '127.0.0.1' };
  let mode: ProxyMode = 'pass';
  let latencyMs = 0;
  const pairs = new Set<Pair>();

  const delayed = (write: () => void) => (latencyMs > 0 ? setTimeout(write, latencyMs) : write());

  const forward = (from: Socket, to: () => Socket | undefined) => {
    if (mode !== 'pass') from.pause();
    from.on('data', (chunk: Buffer) => {
      delayed(() => {
        const peer = to();
        if (peer && !peer.destroyed) peer.write(chunk);
      });
    });
  };

  const connectUpstream = (pair: Pair) => {
    const server = createConnection(upstream);
    pair.server = server;
    forward(server, () => pair.client);
    const end = () => {
      pair.client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    server.on('error', end);
    server.on('close', end);
  };

  const proxy: Server = createServer((client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.server?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    forward(client, () => pair.server);
    // Under a partition the server side is connected only once the path heals.
    if (mode === 'pass') connectUpstream(pair);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const { port } = proxy.address() as { port: number };

  const dropConnections = () => {
    for (const pair of pairs) {
      pair.client.resetAndDestroy();
      pair.server?.resetAndDestroy();
    }
    pairs.clear();
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    retarget(nextPort, host = '127.0.0.1') {
      upstream = { port: nextPort, host };
    },
    setMode(next, options = {}) {
      mode = next;
      latencyMs = options.latencyMs ?? 0;
      if (next === 'refuse') dropConnections();
      for (const pair of pairs) {
        if (next === 'blackhole') {
          pair.client.pause();
          pair.server?.pause();
        } else if (next === 'pass') {
          if (!pair.server) connectUpstream(pair);
          pair.client.resume();
          pair.server?.resume();
        }
      }
    },
    dropConnections,
    get openConnections() {
      return pairs.size;
    },
    async close() {
      dropConnections();
      proxy.close();
      await once(proxy, 'close');
    },
  };
}
