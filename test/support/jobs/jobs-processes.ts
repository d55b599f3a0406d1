import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppProcess, startApp } from '@tools/app-process';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Starts `src/` (or a test entry) through ts-node, as the process tests do. */
export const TS_NODE_ENV = {
  NODE_OPTIONS: `-r ${require.resolve('ts-node/register/transpile-only')} -r ${require.resolve('tsconfig-paths/register')}`,
  TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'),
};

/**
 * Real processes of the jobs test app (`jobs-app.main.ts`, the app plus recording handlers),
 * each test in a fresh directory where the handlers write `runs.log`. Registers the hooks that
 * make the directory and, after the test, stop every process and remove it.
 */
export function useJobsAppProcesses(prefix: string) {
  let dir = '';
  const started: AppProcess[] = [];
  const runsLog = () => join(dir, 'runs.log');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    /** A file of this test's directory (a SQLite database, say). */
    path: (name: string) => join(dir, name),
    start(env: Record<string, string>): Promise<AppProcess> {
      const app = startApp({
        entry: resolve(ROOT, 'test/support/jobs/jobs-app.main.ts'),
        env: { ...TS_NODE_ENV, LOG_LEVEL: 'warn', JOBS_TEST_FILE: runsLog(), JOBS_POLL_INTERVAL: '50ms', ...env },
      });
      void app.then((a) => started.push(a));
      return app;
    },
    /** The lines the recording handlers wrote so far. */
    recorded(): string[] {
      try {
        return readFileSync(runsLog(), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}
