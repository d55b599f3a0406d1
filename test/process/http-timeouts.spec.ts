import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';

const ROOT = resolve(__dirname, '..', '..');
// The server starts through ts-node; on a busy machine that can take several seconds.
jest.setTimeout(90_000);

const REQUEST_TIMEOUT_MS = 2_000;
/** The timeout, plus Node's check interval (1 s at most), plus room for a busy machine. */
const CLOSED_WITHIN_MS = REQUEST_TIMEOUT_MS + 1_000 + 2_000;

interface Closed {
  afterMs: number;
  answer: string;
}

/**
 * Opens a connection to the app. `closed` resolves once the server has closed it, with what
 * it sent, and fails if that takes longer than CLOSED_WITHIN_MS.
 */
function openSocket(port: number): { socket: Socket; closed: () => Promise<Closed> } {
  const socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  let result: Closed | undefined;
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.once('close', () => (result = { afterMs: Date.now() - opened, answer }));
  const closed = () => waitFor(() => result, { timeoutMs: CLOSED_WITHIN_MS, what: 'the server to close the socket' });
  return { socket, closed };
}

describe('HTTP server timeouts (HTTP_REQUEST_TIMEOUT)', () => {
  let app: AppProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-timeouts-'));
    app = await startApp({
      entry: resolve(ROOT, 'src/main.ts'),
      env: {
        NODE_OPTIONS: `-r ${require.resolve('ts-node/register/transpile-only')} -r ${require.resolve('tsconfig-paths/register')}`,
        TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'),
        DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`,
        LOG_LEVEL: 'warn',
        HTTP_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`,
      },
    });
    await app.waitUntilReady(60_000);
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 408 and closes the socket of a client that sends its headers and then dribbles the body', async () => {
    const { socket, closed } = openSocket(app.port);
    socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: app\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    // One byte every 200 ms: the connection is never idle, only slow.
    const dribble = setInterval(() => socket.write(' '), 200);
    try {
      const { afterMs, answer } = await closed();
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    } finally {
      clearInterval(dribble);
      socket.destroy();
    }
  });

  it('closes a connection that never finishes its headers within the same bound', async () => {
    const { socket, closed } = openSocket(app.port);
    socket.write('GET /health/live HTTP/1.1\r\nHost: app\r\n');

    const { answer } = await closed();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still serves a keep-alive connection that was idle for longer than the request timeout', async () => {
    const { socket, closed } = openSocket(app.port);
    let answered = 0;
    let lastAnswerAt = 0;
    socket.on('data', (chunk: Buffer) => {
      answered += chunk.toString().match(/HTTP\/1\.1 200 /g)?.length ?? 0;
      lastAnswerAt = Date.now();
    });
    const ask = () => socket.write('GET /health/live HTTP/1.1\r\nHost: app\r\n\r\n');

    ask();
    await waitFor(() => answered === 1, { what: 'the first answer' });
    // Idleness is the subject: a balancer reuses upstream connections that were quiet for up to 60 s.
    const idleMs = REQUEST_TIMEOUT_MS + 1_500;
    await waitFor(() => Date.now() - lastAnswerAt > idleMs, { what: 'an idle connection', timeoutMs: idleMs + 5_000 });
    ask();
    await waitFor(() => answered === 2, { what: 'the answer on the reused connection', timeoutMs: 5_000 });

    socket.end();
    await closed();
  });
});
