import { once } from 'node:events';
import { Agent, createServer, IncomingMessage, request, Server } from 'node:http';
import type { Socket } from 'node:net';
import { waitFor } from '@tools/wait-for';
import { closeTimeoutMs, GracefulShutdown, GracefulShutdownOptions, ShutdownPhase } from './graceful-shutdown';

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

describe('GracefulShutdown', () => {
  let server: Server;
  let port: number;
  let release: (() => void)[];
  let events: string[];
  let exited: Promise<number>;
  let agent: Agent;

  /** `/slow` answers only when the test releases it; everything else answers at once. */
  beforeEach(async () => {
    release = [];
    events = [];
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        events.push('slow started');
        release.push(() => res.end('slow done'));
        return;
      }
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });

  afterEach(() => {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  });

  function shutdown(overrides: Partial<GracefulShutdownOptions> = {}): GracefulShutdown {
    let exit!: (code: number) => void;
    exited = new Promise((done) => (exit = done));
    return new GracefulShutdown({
      server,
      beginDrain: () => events.push('drain'),
      closeApp: async () => {
        events.push('closeApp');
      },
      delayMs: 0,
      timeoutMs: 2_000,
      closeTimeoutMs: 1_000,
      log: (phase: ShutdownPhase) => events.push(phase),
      exit: (code) => {
        events.push(`exit ${code}`);
        exit(code);
      },
      ...overrides,
    });
  }

  function get(path: string, via: Agent | false = agent): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: via }, (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const until = (condition: () => boolean) => waitFor(condition, { timeoutMs: 2_000, intervalMs: 10 });

  it('keeps serving during the delay, asking clients to close, then refuses new connections', async () => {
    const sut = shutdown({ delayMs: 300 });
    expect((await get('/')).connection).toBe('keep-alive');

    const running = sut.run('test');
    expect(events).toEqual(['drain', 'draining']);
    const during = await get('/');
    expect(during).toMatchObject({ status: 200, connection: 'close' });

    await until(() => events.includes('closing'));
    await expect(get('/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await running;
    expect(await exited).toBe(0);
  });

  it('lets a request in flight finish before it closes the application, and exits 0', async () => {
    const sut = shutdown();
    const slow = get('/slow');
    await until(() => release.length === 1);

    const running = sut.run('test');
    await until(() => events.includes('closing'));
    expect(sut.inFlightCount).toBe(1);
    expect(events).not.toContain('closeApp');

    release[0]();
    expect(await slow).toMatchObject({ status: 200, body: 'slow done', connection: 'close' });
    await running;
    expect(events.slice(-4)).toEqual(['stopping', 'closeApp', 'stopped', 'exit 0']);
  });

  it('closes idle keep-alive connections while a request is still in flight', async () => {
    const sut = shutdown();
    await get('/');
    const idle = Object.values(agent.freeSockets).flat()[0] as Socket;
    expect(idle).toBeDefined();
    const idleClosed = once(idle, 'close');
    const slow = get('/slow', false);
    await until(() => release.length === 1);

    const running = sut.run('test');
    await idleClosed;
    expect(events).not.toContain('closeApp');

    release[0]();
    await slow;
    await running;
    expect(await exited).toBe(0);
  });

  it('cuts requests still in flight after the timeout and exits 1', async () => {
    const sut = shutdown({ timeoutMs: 200 });
    const slow = get('/slow').catch((error: NodeJS.ErrnoException) => error.code);
    await until(() => release.length === 1);

    const started = Date.now();
    await sut.run('test');

    expect(await slow).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(events).toEqual(expect.arrayContaining(['forcing', 'closeApp', 'exit 1']));
  });

  it('exits 1 when closing the application fails or hangs', async () => {
    await shutdown({ closeApp: () => Promise.reject(new Error('pool refused to close')) }).run('test');
    expect(await exited).toBe(1);
    expect(events).toContain('failed');

    events = [];
    await shutdown({ closeApp: () => new Promise(() => undefined), closeTimeoutMs: 100 }).run('test');
    expect(await exited).toBe(1);
    expect(events.slice(-3)).toEqual(['failed', 'stopped', 'exit 1']);
  });

  it('runs the sequence once however often it is asked', async () => {
    const sut = shutdown();
    await Promise.all([sut.run('first'), sut.run('second')]);
    expect(events.filter((e) => e === 'drain')).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('exit'))).toHaveLength(1);
  });
});

describe('closeTimeoutMs', () => {
  it('gives a process with workers its SHUTDOWN_TIMEOUT_MS for active jobs, and a margin to close after them', () => {
    expect(closeTimeoutMs(true, 45_000)).toBe(50_000);
    expect(closeTimeoutMs(true, 1_000)).toBe(10_000);
  });

  it('keeps the 10 s cap for an api process, which runs no jobs', () => {
    expect(closeTimeoutMs(false, 45_000)).toBe(10_000);
  });
});
