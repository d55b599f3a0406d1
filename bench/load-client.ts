/**
 * The orchestrator's side of `load-worker.ts`: one persistent child process answering one
 * `LoadJob` at a time, each reply matched to its job by id.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadJob, LoadReply, LoadResult, LoadScenario } from './load-types';
import { ROOT, TS_NODE } from './servers';

export interface LoadWorker {
  child: ChildProcess;
  /** Runs the scenarios at once; one result each, in the same order. */
  run(scenarios: LoadScenario[]): Promise<LoadResult[]>;
  stop(): void;
}

export function startLoadWorker(): LoadWorker {
  const child = fork(join(__dirname, 'load-worker.ts'), [], { execArgv: TS_NODE, cwd: ROOT });
  let next = 0;
  return {
    child,
    run(scenarios) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        const onMessage = (reply: LoadReply) => {
          if (reply.id !== id) return;
          child.off('message', onMessage);
          if ('error' in reply) reject(new Error(reply.error));
          else resolve(reply.results);
        };
        child.on('message', onMessage);
        child.send({ id, scenarios } satisfies LoadJob);
      });
    },
    stop: () => child.kill(),
  };
}
