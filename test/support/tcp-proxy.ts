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

/** What a client sent over one connection through the proxy, read as Redis commands. */
export interface ConnectionTraffic {
  /** Set by the client's `CLIENT SETNAME`; kept across {@link TcpProxy.resetTraffic}. */
  readonly name?: string;
  /** Each command as its arguments, the name first as sent, since the last reset. */
  readonly commands: readonly string[][];
  /**
   * Writes the client made after the server had answered (or as its first), since the last
   * reset: the round trips it waited out one after another. Commands pipelined into one
   * write, or written while earlier ones are unanswered, add none.
   */
  readonly roundTrips: number;
}

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
  /** What crossed each open connection from client to server, read as RESP (Redis) commands. */
  traffic(): ConnectionTraffic[];
  /** Starts counting commands and round trips afresh on every open connection. */
  resetTraffic(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server?: Socket;
  traffic: Recorder;
}

/** Counts a connection's traffic; a byte stream that is not RESP just yields no commands. */
class Recorder implements ConnectionTraffic {
  name?: string;
  commands: string[][] = [];
  roundTrips = 0;
  private answered = true;
  private unparsed = Buffer.alloc(0);

  sent(chunk: Buffer): void {
    if (this.answered) this.roundTrips += 1;
    this.answered = false;
    this.unparsed = Buffer.concat([this.unparsed, chunk]);
    for (let next = parseCommand(this.unparsed); next; next = parseCommand(this.unparsed)) {
      this.unparsed = this.unparsed.subarray(next.end);
      this.commands.push(next.args);
      const [command, sub, name] = next.args.map((arg, i) => (i < 2 ? arg.toLowerCase() : arg));
      if (command === 'client' && sub === 'setname') this.name = name;
    }
  }

  answer(): void {
    this.answered = true;
  }

  reset(): void {
    this.commands = [];
    this.roundTrips = 0;
  }
}

/** One command from the front of `buffer` (a RESP array of bulk strings), or `undefined` until it is whole. */
function parseCommand(buffer: Buffer): { args: string[]; end: number } | undefined {
  let at = 0;
  const line = () => {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const text = buffer.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined || !head.startsWith('*')) return undefined;
  const args: string[] = [];
  for (let count = Number(head.slice(1)); args.length < count;) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < at + length + 2) return undefined;
    args.push(buffer.toString('utf8', at, at + length));
    at += length + 2;
  }
  return { args, end: at };
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

  const forward = (from: Socket, to: () => Socket | undefined, record: (chunk: Buffer) => void) => {
    if (mode !== 'pass') from.pause();
    from.on('data', (chunk: Buffer) => {
      record(chunk);
      delayed(() => {
        const peer = to();
        if (peer && !peer.destroyed) peer.write(chunk);
      });
    });
  };

  const connectUpstream = (pair: Pair) => {
    const server = createConnection(upstream);
    pair.server = server;
    forward(
      server,
      () => pair.client,
      () => pair.traffic.answer(),
    );
    const end = () => {
      pair.client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    server.on('error', end);
    server.on('close', end);
  };

  const proxy: Server = createServer((client) => {
    const pair: Pair = { client, traffic: new Recorder() };
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
    forward(
      client,
      () => pair.server,
      (chunk) => pair.traffic.sent(chunk),
    );
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
    traffic: () => [...pairs].map((pair) => pair.traffic),
    resetTraffic() {
      for (const pair of pairs) pair.traffic.reset();
    },
    async close() {
      dropConnections();
      proxy.close();
      await once(proxy, 'close');
    },
  };
}
