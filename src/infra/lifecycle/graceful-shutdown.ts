import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';

export type ShutdownPhase = 'draining' | 'closing' | 'forcing' | 'stopping' | 'stopped' | 'failed';

export interface GracefulShutdownOptions {
  server: Server;
  /** Marks the instance as draining, so readiness answers 503 from that moment. */
  beginDrain: () => void;
  /** Closes the application: connection pools, Redis, logs and traces (Nest's `app.close()`). */
  closeApp: () => Promise<void>;
  /** Serving continues this long after the signal, while load balancers notice readiness failing. */
  delayMs: number;
  /** How long requests in flight may take to finish once the server stops accepting connections. */
  timeoutMs: number;
  /** Closing pools and exporting spans after the drain must not hang the exit forever. */
  closeTimeoutMs?: number;
  log: (phase: ShutdownPhase, message: string, fields?: Record<string, unknown>) => void;
  exit: (code: number) => void;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Beyond the workers' own bound: closing the pools, Redis, logs and traces after them. */
const CLOSE_MARGIN_MS = 5_000;

/**
 * The cap of the close step. A process that runs job workers gives its active jobs
 * `shutdownTimeoutMs` inside that step (JobWorkers, before the pools close), so the cap
 * must exceed it, or the exit would cut the very jobs it promised to wait for.
 */
export function closeTimeoutMs(runsWorkers: boolean, shutdownTimeoutMs: number): number {
  return runsWorkers
    ? Math.max(DEFAULT_CLOSE_TIMEOUT_MS, shutdownTimeoutMs + CLOSE_MARGIN_MS)
    : DEFAULT_CLOSE_TIMEOUT_MS;
}

/** A connection accepted but still silent when the listener closes gets this long to send its request. */
const FRESH_CONNECTION_GRACE_MS = 1_000;

interface ConnectionState {
  served: number;
  active: boolean;
}

function timeout(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Stops an instance without losing a request: the sequence a rolling restart relies on.
 *
 * 1. readiness turns 503 at once, and every response asks its client to close the connection;
 * 2. the instance keeps serving for `delayMs`, because endpoints and balancers take a few
 *    seconds to notice and would otherwise send new requests to a closed port;
 * 3. the listener closes (new connections are refused, which balancers retry elsewhere) and
 *    idle keep-alive connections are closed;
 * 4. requests in flight finish, for at most `timeoutMs`; connections left after that are cut;
 * 5. the application closes (database pools, Redis, Consul, logs, traces) and the process
 *    exits 0, or 1 when something in the way failed or hung.
 *
 * One owner for SIGTERM and SIGINT: Nest's own shutdown hooks are not enabled, because two
 * signal handlers would race to close the pools under requests still in flight.
 */
export class GracefulShutdown {
  private started = false;
  private readonly inFlight = new Set<ServerResponse>();
  private readonly connections = new Map<Socket, ConnectionState>();

  constructor(private readonly options: GracefulShutdownOptions) {
    options.server.prependListener('request', this.track);
    options.server.prependListener('connection', (socket: Socket) => {
      this.connections.set(socket, { served: 0, active: false });
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Handles SIGTERM and SIGINT; a second signal while draining ends the process at once. */
  listen(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) {
      process.on(signal, () => {
        if (this.started) {
          this.options.log('forcing', `Received ${signal} again while draining; exiting now`, { signal });
          this.options.exit(1);
          return;
        }
        void this.run(signal);
      });
    }
  }

  /** Runs the whole sequence once and exits; later calls do nothing. */
  async run(reason: string): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { server, delayMs, timeoutMs, log } = this.options;
    const closeTimeoutMs = this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    let code = 0;

    this.options.beginDrain();
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    log('draining', `Shutting down (${reason}): not ready, serving for ${delayMs} ms more`, { reason, delayMs });
    if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));

    log('closing', `Refusing new connections; waiting for ${this.inFlight.size} request(s) in flight`, {
      inFlight: this.inFlight.size,
      timeoutMs,
    });
    // Not http.Server#close: since Node 19 it also closes every idle connection at once, and a
    // connection the balancer has just opened counts as idle until its request is parsed, so
    // the request the balancer already sent on it would be lost. Idle keep-alive connections
    // go here; silent new ones get a moment to deliver their request.
    const closed = new Promise<void>((done) => NetServer.prototype.close.call(server, () => done()));
    this.closeIdleConnections();
    const limit = timeout(timeoutMs);
    if ((await Promise.race([closed, limit.promise])) === 'timeout') {
      log('forcing', `${this.inFlight.size} request(s) still in flight after ${timeoutMs} ms; closing them`, {
        inFlight: this.inFlight.size,
      });
      server.closeAllConnections();
      code = 1;
    }
    limit.cancel();

    log('stopping', 'Closing the database, Redis, logs and traces');
    const closing = timeout(closeTimeoutMs);
    try {
      if ((await Promise.race([this.options.closeApp(), closing.promise])) === 'timeout') {
        log('failed', `Closing the application took longer than ${closeTimeoutMs} ms; exiting anyway`);
        code = 1;
      }
    } catch (error) {
      log('failed', 'Closing the application failed', { err: error });
      code = 1;
    } finally {
      closing.cancel();
    }
    log('stopped', `Stopped; exiting with ${code}`, { exitCode: code });
    this.options.exit(code);
  }

  private closeIdleConnections(): void {
    for (const [socket, state] of this.connections) {
      if (state.active) continue;
      if (state.served > 0) {
        socket.destroy();
        continue;
      }
      setTimeout(() => {
        if (!state.active && state.served === 0) socket.destroy();
      }, FRESH_CONNECTION_GRACE_MS).unref();
    }
  }

  private readonly track = (req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight.add(res);
    const state = this.connections.get(req.socket);
    if (state) state.active = true;
    res.once('close', () => {
      this.inFlight.delete(res);
      if (!state) return;
      state.active = false;
      state.served += 1;
      // Closed meanwhile, this connection is now idle: nothing more will come for it.
      if (!this.options.server.listening && !req.socket.destroyed) req.socket.end();
    });
    // A draining instance hands each keep-alive client back to the balancer after its answer.
    if (this.started && !res.headersSent) res.setHeader('Connection', 'close');
  };
}
