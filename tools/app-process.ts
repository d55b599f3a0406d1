import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '..');
/** Jest loads this module once per test file (a script once per run), so each gets a prefix of its own. */
const REDIS_KEY_PREFIX_OF_THIS_FILE = `test:${randomBytes(4).toString('hex')}:`;

export interface AppProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every line the process has written to stdout and stderr so far. */
  readonly output: string[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Resolves once every line the app logged before the call is in `output`. The app writes
   * its log in batches, so a line can lag its event by up to the flush interval: this sends
   * one request of its own and waits for that request's line, which is written after them.
   * Needs LOG_LEVEL info or lower.
   */
  logsWritten(): Promise<void>;
  waitUntilReady(timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  /** The entry point; defaults to the built server, dist/main.js. */
  entry?: string;
  cwd?: string;
}

/**
 * Appends each whole line read from `stream` to `output`. A read can end mid-line (the app
 * writes its log in batches of several lines), so the unfinished tail waits for the next read.
 */
function collectLines(stream: NodeJS.ReadableStream, output: string[]): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    output.push(...lines.filter(Boolean));
  });
  stream.on('end', () => {
    if (partial) output.push(partial);
  });
}

/**
 * Starts the built application as a real process, as an operator would, with a clean
 * environment (only what is passed, plus PATH, HOME and the suite's HTTP_ADAPTER).
 */
export async function startApp(options: StartOptions = {}): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [key, value] of Object.entries({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    // Nothing balances these processes unless a test says so: stopping one need not wait for a balancer.
    SHUTDOWN_DELAY_MS: '0',
    // Rate-limit counters and cache entries of one test file never meet another's on the shared Redis.
    REDIS_KEY_PREFIX: REDIS_KEY_PREFIX_OF_THIS_FILE,
    // The platform the suite runs on (CI runs suites on fastify too), as the in-process test app takes it.
    HTTP_ADAPTER: process.env.HTTP_ADAPTER,
    ...options.env,
  })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(process.execPath, [options.entry ?? resolve(ROOT, 'dist', 'main.js')], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  collectLines(child.stdout, output);
  collectLines(child.stderr, output);
  // 'close', not 'exit': it comes once stdout and stderr are drained, so `output` is complete.
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;

  const app: AppProcess = {
    port,
    url,
    child,
    output,
    exited,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(() => output.find((line) => pattern.test(line)), { timeoutMs, what: `output ${pattern}` }),
    logsWritten: async () => {
      const id = `logs-written-${randomUUID()}`;
      await (await fetch(`${url}/logs-written`, { headers: { 'X-Request-Id': id } })).arrayBuffer();
      await app.waitForOutput(new RegExp(`"requestId":"${id}"`), 10_000);
    },
    waitUntilReady: async (timeoutMs = 30_000) => {
      await Promise.race([
        waitFor(async () => (await fetch(`${url}/health/ready`)).ok, { timeoutMs, what: `${url} ready` }),
        exited.then((code) => {
          throw new Error(`App exited with ${code} before it was ready:\n${output.slice(-20).join('\n')}`);
        }),
      ]);
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return app;
}
