import { Injectable } from '@nestjs/common';

/**
 * Holds whether this instance is draining. Readiness reads it, so the moment a shutdown
 * starts the load balancer stops sending new traffic while in-flight requests finish.
 */
@Injectable()
export class LifecycleService {
  private draining = false;

  get isShuttingDown(): boolean {
    return this.draining;
  }

  beginShutdown(): void {
    this.draining = true;
  }
}
