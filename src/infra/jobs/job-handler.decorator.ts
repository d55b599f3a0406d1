import { SetMetadata } from '@nestjs/common';

export const JOB_HANDLER = 'jobs:handler';

export interface JobHandlerMetadata {
  queue: string;
  name: string;
}

/**
 * Marks a provider method as the handler of jobs `name` on `queue`:
 * `(data, ctx: JobContext) => Promise<void>`. Throwing makes the job retry with backoff;
 * throwing a `PermanentJobError` fails it at once.
 * Any provider of any module is found at boot (JobHandlers); nothing else is registered.
 */
export function JobHandler(queue: string, name: string): MethodDecorator {
  return SetMetadata<string, JobHandlerMetadata>(JOB_HANDLER, { queue, name });
}
