import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { JOB_HANDLER, JobHandlerMetadata } from './job-handler.decorator';
import type { JobHandlerFn } from './job.types';

/** Error of a job whose type has no handler in this process: a deploy bug, never a silent drop. */
export class UnknownJobError extends Error {
  constructor(queue: string, name: string) {
    super(`No @JobHandler('${queue}', '${name}') is registered in this process`);
    this.name = 'UnknownJobError';
  }
}

/** Every `@JobHandler` method of every provider, found once the modules are built. */
@Injectable()
export class JobHandlers implements OnModuleInit {
  private readonly handlers = new Map<string, JobHandlerFn>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isDependencyTreeStatic() === false) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<JobHandlerMetadata | undefined>(JOB_HANDLER, fn);
        if (!meta) continue;
        const key = keyOf(meta.queue, meta.name);
        if (this.handlers.has(key)) throw new Error(`Two @JobHandler('${meta.queue}', '${meta.name}') methods`);
        this.handlers.set(key, (fn as JobHandlerFn).bind(instance));
      }
    }
  }

  /** The queues that have at least one handler here: the ones this process's workers take from. */
  queues(): string[] {
    return [...new Set([...this.handlers.keys()].map((key) => key.split('\u0000')[0]))];
  }

  get(queue: string, name: string): JobHandlerFn {
    const handler = this.handlers.get(keyOf(queue, name));
    if (!handler) throw new UnknownJobError(queue, name);
    return handler;
  }
}

const keyOf = (queue: string, name: string) => `${queue}\u0000${name}`;
