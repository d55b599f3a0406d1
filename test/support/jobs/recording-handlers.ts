import { Injectable, Module } from '@nestjs/common';
import { JobHandler } from '@/infra/jobs/job-handler.decorator';
import { PermanentJobError } from '@/infra/jobs/job.errors';
import type { JobContext } from '@/infra/jobs/job.types';

export interface RecordedRun {
  name: string;
  data: object;
  ctx: JobContext;
}

/** Test handlers of queue `test`, recording every run they get, in the app that ran it. */
@Injectable()
export class RecordingHandlers {
  readonly runs: RecordedRun[] = [];

  runsOf(name: string, id?: string): RecordedRun[] {
    return this.runs.filter((run) => run.name === name && (id === undefined || run.ctx.id === id));
  }

  @JobHandler('test', 'echo')
  async echo(data: object, ctx: JobContext): Promise<void> {
    this.runs.push({ name: 'echo', data, ctx });
  }

  /** Fails its first two attempts. */
  @JobHandler('test', 'flaky')
  async flaky(data: object, ctx: JobContext): Promise<void> {
    this.runs.push({ name: 'flaky', data, ctx });
    if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
  }

  @JobHandler('test', 'tick')
  async tick(data: object, ctx: JobContext): Promise<void> {
    this.runs.push({ name: 'tick', data, ctx });
  }

  @JobHandler('test', 'broken')
  async broken(data: object, ctx: JobContext): Promise<void> {
    this.runs.push({ name: 'broken', data, ctx });
    throw new Error('broken on purpose');
  }

  /** Knows on its first attempt that no retry can help. */
  @JobHandler('test', 'doomed')
  async doomed(data: object, ctx: JobContext): Promise<void> {
    this.runs.push({ name: 'doomed', data, ctx });
    throw new PermanentJobError('doomed on purpose');
  }
}

@Module({ providers: [RecordingHandlers] })
export class RecordingJobsModule {}
