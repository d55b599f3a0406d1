import { Worker } from 'node:worker_threads';
import { ConcurrencyLimit } from '@/common/concurrency/concurrency-limit';

export type HashRequest = { op: 'hash'; password: string } | { op: 'verify'; hash: string; password: string };

/** What argon2 answered: a PHC string or a verdict, or the error it threw (a malformed hash, say). */
export type HashReply = { value: string | boolean } | { error: string };

export interface HashThreadPoolOptions {
  size: number;
  /** Nice value each thread gives itself; 0 leaves it at the process's. */
  nice: number;
  /** Passed to @node-rs/argon2's hashSync as they are. */
  argon2Options: object;
  /** Called at most once, when a thread could not lower its priority. */
  onNiceFailed: (reason: string) => void;
}

/**
 * The thread's whole program. A string evaluated as a script rather than a file of its own,
 * so the same code runs from src/ under ts-jest and from dist/ after `nest build`; the
 * library's path is resolved by the parent, so no working directory is assumed.
 * On Linux, setPriority(0 = this thread) changes the calling thread only. Nothing here may
 * use the libuv pool (async fs, crypto, dns): the process-wide threads it starts on first
 * use would inherit this thread's priority.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const argon2 = require(workerData.argon2Path);
if (workerData.nice > 0) {
  try {
    setPriority(workerData.nice);
  } catch (error) {
    parentPort.postMessage({ niceFailed: String(error && error.message) });
  }
}
parentPort.on('message', (request) => {
  try {
    const value = request.op === 'hash'
      ? argon2.hashSync(request.password, workerData.argon2Options)
      : argon2.verifySync(request.hash, request.password);
    parentPort.postMessage({ value });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

/** One worker thread doing one request at a time; referenced only while it has one. */
class HashThread {
  private readonly worker: Worker;
  private pending?: { resolve: (reply: HashReply) => void; reject: (error: Error) => void };
  private failure?: Error;
  alive = true;

  constructor(workerData: object, onNiceFailed: (reason: string) => void, onExit: (thread: HashThread) => void) {
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData });
    this.worker.unref();
    this.worker.on('message', (message: HashReply | { niceFailed: string }) => {
      if ('niceFailed' in message) return onNiceFailed(message.niceFailed);
      const pending = this.pending;
      this.pending = undefined;
      this.worker.unref();
      pending?.resolve(message);
    });
    this.worker.on('error', (error) => (this.failure = error));
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
 * and a thread that died is replaced by the next request that finds no idle one.
 */
export class HashThreadPool {
  private readonly slots: ConcurrencyLimit;
  private readonly idle: HashThread[] = [];
  private readonly threads = new Set<HashThread>();
  private readonly workerData: object;
  private niceWarned = false;
  private closed = false;

  constructor(private readonly options: HashThreadPoolOptions) {
    this.slots = new ConcurrencyLimit(options.size);
    this.workerData = {
      argon2Path: require.resolve('@node-rs/argon2'),
      argon2Options: options.argon2Options,
      nice: options.nice,
    };
  }

  /** Rejects only when the thread could not answer (it died, or the pool is closed). */
  run(request: HashRequest): Promise<HashReply> {
    return this.slots.run(async () => {
      if (this.closed) throw new Error('password hashing is shut down');
      // Each slot holder finds an idle thread or starts one, so there are never more than `size`.
      const thread = this.idle.pop() ?? this.start();
      try {
        return await thread.run(request);
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

  private niceFailed(reason: string): void {
    if (this.niceWarned) return;
    this.niceWarned = true;
    this.options.onNiceFailed(reason);
  }
}
