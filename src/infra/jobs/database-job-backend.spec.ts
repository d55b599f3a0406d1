import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { JobsConfig } from '@/config/configuration';
import { buildDataSourceOptions } from '@/infra/database/data-source-options';
import { ContextRequest, requestContextFields, runInRequestContext } from '@/infra/logging/request-context';
import { automock } from '@test/support/automock';
import { waitFor } from '@tools/wait-for';
import { DatabaseJobBackend } from './database-job-backend';
import { JobRecord } from './job.entity';
import { JobRunner } from './job-runner';
import type { JobContext } from './job.types';

const cfg: JobsConfig = {
  role: 'all',
  runsWorkers: true,
  servesApi: true,
  attempts: 3,
  backoffMs: 5,
  concurrency: 4,
  pollIntervalMs: 5,
  keepCompleted: 500,
  shutdownTimeoutMs: 1_000,
};

describe('DatabaseJobBackend claims', () => {
  let dir: string;
  let dataSource: DataSource;
  const runs: JobContext[] = [];
  const runner = automock(JobRunner, {
    run: async (ctx) => {
      runs.push(ctx);
      // Yields, so the other poller gets to read the same due rows meanwhile.
      await new Promise((tick) => setImmediate(tick));
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobs-claims-'));
    const options = buildDataSourceOptions({
      kind: 'sqlite',
      sqlitePath: join(dir, 'jobs.sqlite'),
      readUrls: [],
      poolSize: 1,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 1_000,
      slowQueryMs: 10_000,
      url: undefined,
    });
    dataSource = await new DataSource({ ...options, logging: false }).initialize();
    await dataSource.runMigrations();
  });
  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets only one of two claims on the same row read at the same time win', async () => {
    const a = new DatabaseJobBackend(dataSource, cfg, runner);
    const b = new DatabaseJobBackend(dataSource, cfg, runner);
    const id = await a.enqueue('q', 'claimed', {}, {});
    const repo = dataSource.getRepository(JobRecord);
    const [seenByA, seenByB] = [await repo.findOneByOrFail({ id }), await repo.findOneByOrFail({ id })];

    expect(await a.claim(seenByA)).toBe(true);
    expect(await b.claim(seenByB)).toBe(false);
    expect(await repo.findOneByOrFail({ id })).toMatchObject({ state: 'active', attemptsMade: 1 });
    await repo.delete({ id });
  });

  it('runs each job once when two pollers share the table', async () => {
    const a = new DatabaseJobBackend(dataSource, cfg, runner);
    const b = new DatabaseJobBackend(dataSource, cfg, runner);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => a.enqueue('q', 'n', { i }, {})));
    await Promise.all([a.start(), b.start()]);
    try {
      const done = () => dataSource.getRepository(JobRecord).countBy({ state: 'completed' });
      await waitFor(async () => (await done()) === ids.length, { what: 'every job completed' });
      expect(runs.map((ctx) => ctx.id).sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all([a.stop(1_000), b.stop(1_000)]);
    }
  });

  it('runs a job that a request woke outside that request', async () => {
    const seen: Array<{ requestId?: string }> = [];
    const recording = automock(JobRunner, { run: async () => void seen.push(requestContextFields()) });
    // Polls only when poked: the interval would run it from outside any request anyway.
    const backend = new DatabaseJobBackend(dataSource, { ...cfg, pollIntervalMs: 60_000 }, recording);
    await backend.start();
    try {
      const req = { id: 'request-1' } as ContextRequest;
      await new Promise<void>((done) =>
        runInRequestContext(req, () => void backend.enqueue('q', 'woken', {}, {}).then(() => done())),
      );
      await waitFor(() => seen.length === 1, { what: 'the woken job ran' });
      expect(seen).toEqual([{}]);
    } finally {
      await backend.stop(1_000);
    }
  });
});
