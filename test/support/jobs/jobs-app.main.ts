import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { appendFileSync } from 'node:fs';
import { AppModule } from '@/app.module';
import { parseEnv } from '@/config/env.schema';
import { JobHandler } from '@/infra/jobs/job-handler.decorator';
import type { JobContext } from '@/infra/jobs/job.types';
import { Jobs } from '@/infra/jobs/jobs.service';
import { createServer } from '@/server';

/**
 * The real server with one job type more, for process tests: `crash/record` appends
 * `started <id> <attempt>` and `done <id> <attempt>` to JOBS_TEST_FILE, and with
 * `{ hang: true }` never finishes its first attempt, with `{ workMs }` its first attempt takes
 * that long. JOBS_TEST_ENQUEUE=<id> queues one such job once the server listens
 * (JOBS_TEST_DELAY_MS after that; JOBS_TEST_HANG, JOBS_TEST_WORK_MS) and prints `enqueued <id>`.
 */
@Injectable()
class RecordToFile {
  @JobHandler('crash', 'record')
  async record(data: { hang?: boolean; workMs?: number }, ctx: JobContext): Promise<void> {
    const file = process.env.JOBS_TEST_FILE!;
    appendFileSync(file, `started ${ctx.id} ${ctx.attempt}\n`);
    if (data.hang && ctx.attempt === 1) await new Promise<never>(() => undefined);
    if (data.workMs && ctx.attempt === 1) await new Promise((done) => setTimeout(done, data.workMs));
    appendFileSync(file, `done ${ctx.id} ${ctx.attempt}\n`);
  }
}

@Module({ imports: [AppModule], providers: [RecordToFile] })
class JobsTestAppModule {}

async function main(): Promise<void> {
  const app = await createServer(parseEnv(), JobsTestAppModule);
  const id = process.env.JOBS_TEST_ENQUEUE;
  if (id) {
    const delayMs = Number(process.env.JOBS_TEST_DELAY_MS ?? 0);
    await app
      .get(Jobs)
      .enqueue(
        'crash',
        'record',
        { hang: process.env.JOBS_TEST_HANG === 'true', workMs: Number(process.env.JOBS_TEST_WORK_MS ?? 0) },
        { jobId: id, delayMs },
      );
    process.stdout.write(`enqueued ${id}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
