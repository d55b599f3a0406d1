import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueCounts } from './job.types';

/**
 * The job series of `/metrics`. Completed, failed and duration are counted by the instance
 * that ran the job; waiting and active are read from the queue at scrape time (see
 * `watchQueues`), so every instance reports the same, cluster-wide figure: dashboards and
 * autoscalers take max() of them, never sum().
 */
@Injectable()
export class JobMetrics {
  private readonly completed: Counter<'queue'>;
  private readonly failed: Counter<'queue'>;
  private readonly enqueueFailures: Counter<'queue'>;
  private readonly duration: Histogram<'queue'>;
  private readonly waiting: Gauge<'queue'>;
  private readonly active: Gauge<'queue'>;
  private source?: { queues: () => string[]; counts: (queue: string) => Promise<QueueCounts> };

  constructor(registry: Registry) {
    const registers = [registry];
    this.completed = new Counter({
      name: 'app_jobs_completed_total',
      help: 'Jobs completed by this instance',
      labelNames: ['queue'],
      registers,
    });
    this.failed = new Counter({
      name: 'app_jobs_failed_total',
      help: 'Jobs that failed every attempt on this instance (kept as failed)',
      labelNames: ['queue'],
      registers,
    });
    this.enqueueFailures = new Counter({
      name: 'app_jobs_enqueue_failures_total',
      help: 'Jobs this instance could not queue (Redis or the database refused them); they are lost',
      labelNames: ['queue'],
      registers,
    });
    this.duration = new Histogram({
      name: 'app_job_duration_seconds',
      help: 'Time a job handler ran on this instance, per attempt',
      labelNames: ['queue'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    const readSource = () => this.source;
    const gauge = (name: string, help: string, pick: (counts: QueueCounts) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers,
        async collect() {
          this.reset();
          const source = readSource();
          if (!source) return;
          for (const queue of source.queues()) {
            // A queue that cannot be read (Redis down) is left out of this scrape, not reported as 0.
            const counts = await source.counts(queue).catch(() => undefined);
            if (counts) this.set({ queue }, pick(counts));
          }
        },
      });
    this.waiting = gauge(
      'app_jobs_waiting',
      'Jobs ready to run, queue-wide (take max() across instances)',
      (c) => c.waiting,
    );
    this.active = gauge('app_jobs_active', 'Jobs running, queue-wide (take max() across instances)', (c) => c.active);
  }

  /** Where the scrape-time gauges read from. */
  watchQueues(queues: () => string[], counts: (queue: string) => Promise<QueueCounts>): void {
    this.source = { queues, counts };
  }

  /** Starts timing one attempt; the returned function records it. */
  startAttempt(queue: string): () => void {
    const end = this.duration.startTimer({ queue });
    return () => {
      end();
    };
  }

  jobCompleted(queue: string): void {
    this.completed.inc({ queue });
  }

  jobFailed(queue: string): void {
    this.failed.inc({ queue });
  }

  enqueueFailed(queue: string): void {
    this.enqueueFailures.inc({ queue });
  }

  /** Makes the queue's series appear at 0 before its first job. */
  knowQueue(queue: string): void {
    this.completed.inc({ queue }, 0);
    this.failed.inc({ queue }, 0);
    this.enqueueFailures.inc({ queue }, 0);
  }
}
