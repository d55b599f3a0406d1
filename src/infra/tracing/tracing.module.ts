import { Module, OnApplicationShutdown } from '@nestjs/common';
import { shutdownTracing } from './tracing';

/**
 * Ties the tracer's lifetime to the application's: spans are exported in batches, and
 * the last batch of a stopping instance (often the most interesting) must not be lost.
 * Tracing itself is started by main.ts, long before Nest exists.
 */
@Module({})
export class TracingModule implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await shutdownTracing();
  }
}
