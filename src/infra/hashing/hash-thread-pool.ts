import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Options } from '@node-rs/argon2';
import { ConcurrencyLimit } from '@/common/concurrency/concurrency-limit';
import type { HashReply, HashRequest, HashThreadMessage, HashWorkerData } from './hash.worker';
import { HashingBusyError } from './hashing-busy.error';

export interface HashThreadPoolOptions {
  size: number;
  /** Requests that may wait for a thread while all `size` are busy; the next is refused with HashingBusyError. */
  queueMax: number;
  /** Nice value each thread gives itself; 0 leaves it at the process's. */
  nice: number;
  /** Passed to @node-rs/argon2's hashSync as they are. */
  argon2Options: Options;
  /** Called at most once, when a thread could not lower its priority. */
  onNiceFailed: (reason: string) => void;
}

/** A first guess at one run's duration, before any has been timed: ~10-30 ms of a core at the OWASP parameters. */
const INITIAL_RUN_MS = 30;

/** The threads' program, beside this file: hash.worker.js in dist/, hash.worker.ts under ts-jest. */
const WORKER_FILE = require.resolve('./hash.worker');

/**
 * Node runs the .ts source as an ES module, and since package.json names no module type it
 * warns of that on every thread start. The compiled .js is CommonJS: its threads inherit the
 * process's options as they are.
 */
const WORKER_EXEC_ARGV =
  extname(WORKER_FILE) === '.ts' ? [...process.execArgv, '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'] : undefined;

/** One worker thread doing one request at a time; referenced only while it has one. */
class HashThread {
  private readonly worker: Worker;
  private pending?: { resolve: (reply: HashReply) => void; reject: (error: Error) => void };
  private failure?: Error;
  alive = true;

  constructor(
    workerData: HashWorkerData,
    onNiceFailed: (reason: string) => void,
    onExit: (thread: HashThread) => void,
  ) {
    this.worker = new Worker(WORKER_FILE, { workerData, execArgv: WORKER_EXEC_ARGV });
    this.worker.unref();
    this.worker.on('message', (message: HashThreadMessage) => {
      if ('niceFailed' in message) return onNiceFailed(message.niceFailed);
      const pending = this.pending;
      this.pending = undefined;
      this.worker.unref();
      pending?.resolve(message);
    });
    this.worker.on('error', (error: Error) => {
      this.failure = error;
    });
    this.worker.on('exit', (code) => {
      this.alive = false;
      const cause = this.failure ? `: ${this.failure.message}` : '';
      this.pending?.reject(new Error(`password hashing thread exited with code ${code}${cause}`));
      this.pending = undefined;
      onExit(this);
    });
  }

  run(request: HashRequest): Promise<HashReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * At most `size` argon2 runs at once, each on a worker thread of its own that runs at a
 * lower CPU priority than the event loop. Threads start on first use (a process that never
 * hashes, such as most test apps and one-off commands, never pays for an isolate per thread)
 * and a thread that died is replaced by the next request that finds no idle one. At most
 * `queueMax` requests wait for a thread; one more is refused at once with HashingBusyError,
 * whose Retry-After is the time the queue ahead takes to drain at the measured run time.
 */
export class HashThreadPool {
  private readonly slots: ConcurrencyLimit;
  private readonly idle: HashThread[] = [];
  private readonly threads = new Set<HashThread>();
  private readonly workerData: HashWorkerData;
  private niceWarned = false;
  private closed = false;
  /** Moving average of recent runs, for the Retry-After of a refusal. */
  private runMs = INITIAL_RUN_MS;

  constructor(private readonly options: HashThreadPoolOptions) {
    this.slots = new ConcurrencyLimit(options.size);
    this.workerData = { argon2Options: options.argon2Options, nice: options.nice };
  }

  /**
   * Rejects when the thread could not answer (it died, or the pool is closed), and with
   * HashingBusyError when every thread is busy and `queueMax` requests already wait.
   */
  run(request: HashRequest): Promise<HashReply> {
    const { active, waiting } = this.slots.pending;
    if (active >= this.options.size && waiting >= this.options.queueMax) {
      return Promise.reject(new HashingBusyError(this.drainSeconds(active + waiting)));
    }
    return this.slots.run(async () => {
      if (this.closed) throw new Error('password hashing is shut down');
      // Each slot holder finds an idle thread or starts one, so there are never more than `size`.
      const thread = this.idle.pop() ?? this.start();
      const started = performance.now();
      try {
        const reply = await thread.run(request);
        this.runMs = 0.8 * this.runMs + 0.2 * (performance.now() - started);
        return reply;
      } finally {
        if (thread.alive && !this.closed) this.idle.push(thread);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.threads].map((thread) => thread.terminate()));
  }

  private start(): HashThread {
    const thread = new HashThread(
      this.workerData,
      (reason) => this.niceFailed(reason),
      (exited) => {
        this.threads.delete(exited);
        const i = this.idle.indexOf(exited);
        if (i >= 0) this.idle.splice(i, 1);
      },
    );
    this.threads.add(thread);
    return thread;
  }

  /** Whole seconds, at least 1, until `ahead` runs have finished on `size` threads. */
  private drainSeconds(ahead: number): number {
    return Math.max(1, Math.ceil((ahead / this.options.size) * (this.runMs / 1000)));
  }

  private niceFailed(reason: string): void {
    if (this.niceWarned) return;
    this.niceWarned = true;
    this.options.onNiceFailed(reason);
  }
}
