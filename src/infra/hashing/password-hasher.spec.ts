import { Logger } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { AuthConfig } from '@/config/configuration';
import { PasswordHasher } from './password-hasher';

// The module object the pool reads `Worker` from at each construction, so a spy sees every thread.
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');

/** Made by the `argon2` package (node-argon2) 0.45 at the same parameters, for 'correct horse battery staple'. */
const NODE_ARGON2_HASH =
  '$argon2id$v=19$m=19456,p=1,t=2$nPlBQdCvcHnYSNGECHl5fg$3ghuEKvpuUwGB7NILOxVPwF5wrpTH/w4UOrzp3xdA4w';

/** The nice value of each thread of this process, read from the kernel (field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name may contain spaces; fields are counted after its closing parenthesis.
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended between the listing and the read
    }
  });
}

const threadsAt = (nice: number) => threadNiceValues().filter((n) => n === nice).length;
const linuxOnly = process.platform === 'linux' ? it : it.skip;

describe(PasswordHasher.name, () => {
  const hashers: PasswordHasher[] = [];
  const make = (cfg?: Partial<Pick<AuthConfig, 'hashConcurrency' | 'hashNice'>>) => {
    const hasher = new PasswordHasher(cfg);
    hashers.push(hasher);
    return hasher;
  };
  /** Records every hashing thread started while the test runs. */
  const recordThreads = (onStart: (worker: Worker) => void = () => undefined) => {
    const RealWorker = workerThreads.Worker;
    const started: Worker[] = [];
    jest.spyOn(workerThreads, 'Worker').mockImplementation((...args: ConstructorParameters<typeof Worker>) => {
      const worker = new RealWorker(...args);
      started.push(worker);
      onStart(worker);
      return worker;
    });
    return started;
  };

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(hashers.splice(0).map((h) => h.onApplicationShutdown()));
  });

  it('hashes with argon2id at 19 MiB, t=2, p=1 and a random salt', async () => {
    const sut = make();
    const [a, b] = await Promise.all([sut.hash('correct horse'), sut.hash('correct horse')]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password, and answers false for a wrong one or a corrupt hash', async () => {
    const sut = make();
    const hash = await sut.hash('correct horse');
    await expect(sut.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(sut.verify(hash, 'wrong horse')).resolves.toBe(false);
    await expect(sut.verify('not-a-hash', 'correct horse')).resolves.toBe(false);
    await expect(sut.verify('', 'correct horse')).resolves.toBe(false);
  });

  it('verifies hashes stored by the previous library (node-argon2)', async () => {
    const sut = make();
    await expect(sut.verify(NODE_ARGON2_HASH, 'correct horse battery staple')).resolves.toBe(true);
    await expect(sut.verify(NODE_ARGON2_HASH, 'correct horse battery stapl')).resolves.toBe(false);
  });

  it('spends a verification on an unknown account without failing', async () => {
    const sut = make();
    await expect(sut.verifyDummy('whatever')).resolves.toBeUndefined();
    await expect(sut.verifyDummy('again')).resolves.toBeUndefined();
  });

  it('runs no more hashes at once than its concurrency allows, one thread each', async () => {
    let inFlight = 0;
    let peak = 0;
    const started = recordThreads((worker) => {
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (request: unknown) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        worker.once('message', () => (inFlight -= 1));
        post(request);
      };
    });
    const sut = make({ hashConcurrency: 2 });

    const hashes = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((p) => sut.hash(p)));

    expect(new Set(hashes).size).toBe(6);
    expect(peak).toBe(2);
    expect(started).toHaveLength(2);
  });

  linuxOnly('runs its threads at the configured nice value and leaves the event loop at its own', async () => {
    const own = getPriority();
    const nice = Math.min(19, own + 7);
    const sut = make({ hashConcurrency: 2, hashNice: nice });
    const before = threadsAt(nice);

    await Promise.all([sut.hash('a'), sut.hash('b')]);

    expect(threadsAt(nice)).toBe(before + 2);
    expect(getPriority()).toBe(own);
    expect(getPriority(process.pid)).toBe(own);
  });

  linuxOnly('leaves the threads at normal priority when the nice value is 0', async () => {
    const started = recordThreads();
    const sut = make({ hashConcurrency: 1, hashNice: 0 });

    await sut.hash('a');

    expect(started).toHaveLength(1);
    expect(threadNiceValues().every((nice) => nice === getPriority())).toBe(true);
  });

  it('lowers no priority off Linux, where it would lower the whole process', async () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      make({ hashNice: 10 });
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Linux only'));
  });

  linuxOnly('ends its threads on shutdown, and hashes no more after it', async () => {
    const nice = Math.min(19, getPriority() + 6);
    const sut = make({ hashConcurrency: 2, hashNice: nice });
    const before = threadsAt(nice);
    await Promise.all([sut.hash('a'), sut.hash('b')]);
    expect(threadsAt(nice)).toBe(before + 2);

    await sut.onApplicationShutdown();

    expect(threadsAt(nice)).toBe(before);
    await expect(sut.hash('c')).rejects.toThrow('shut down');
  });

  // Each kill lands on a thread that has just been started, before it can answer.
  it('fails a request whose thread dies, rather than calling it a wrong password, and replaces the thread', async () => {
    const started = recordThreads();
    const sut = make({ hashConcurrency: 1 });

    const verifying = sut.verify(NODE_ARGON2_HASH, 'correct horse battery staple');
    await started[0].terminate();
    await expect(verifying).rejects.toThrow(/hashing thread exited/);

    const hashing = sut.hash('another');
    await started[1].terminate();
    await expect(hashing).rejects.toThrow(/hashing thread exited/);

    await expect(sut.verify(NODE_ARGON2_HASH, 'correct horse battery staple')).resolves.toBe(true);
    await expect(sut.hash('another')).resolves.toMatch(/^\$argon2id\$/);
    expect(started).toHaveLength(3);
  });

  it('tries the throw-away hash again after a thread died while making it', async () => {
    const started = recordThreads();
    const sut = make({ hashConcurrency: 1 });

    const first = sut.verifyDummy('whatever');
    await started[0].terminate();
    await expect(first).rejects.toThrow(/hashing thread exited/);

    await expect(sut.verifyDummy('whatever')).resolves.toBeUndefined();
  });
});
