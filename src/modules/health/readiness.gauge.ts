import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { HealthService } from './health.service';

/**
 * `app_ready` in the application's registry: the very check behind `/health/ready`, run at
 * scrape time, which keeps the "not ready" alert and the load balancer's view of the
 * instance in agreement.
 */
@Injectable()
export class ReadinessGauge {
  constructor(
    private readonly health: HealthService,
    registry: Registry,
  ) {
    const ready = () => this.ready();
    new Gauge({
      name: 'app_ready',
      help: '1 when the readiness check passes (dependencies answer, not shutting down), else 0',
      registers: [registry],
      async collect() {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }

  /** Terminus reports a failed check by throwing; either way, the answer is a yes or a no. */
  private async ready(): Promise<boolean> {
    try {
      const result = await this.health.checkReadiness();
      return result.status === 'ok';
    } catch {
      return false;
    }
  }
}
