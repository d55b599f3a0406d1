import { Injectable } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';

const DB_PING_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly lifecycle: LifecycleService,
  ) {}

  checkReadiness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.shutdownCheck(),
      () => this.db.pingCheck('database', { timeout: DB_PING_TIMEOUT_MS }),
    ]);
  }

  summarise(result: HealthCheckResult) {
    const entries = { ...result.info, ...result.error };
    const down = Object.entries(entries)
      .filter(([, value]) => value?.status !== 'up')
      .map(([name]) => name);
    return {
      status: result.status === 'ok' ? 'ok' : 'unavailable',
      summary:
        down.length === 0
          ? 'Ready: every dependency answers.'
          : `Not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down.`,
      checks: Object.fromEntries(Object.entries(entries).map(([name, value]) => [name, value?.status ?? 'down'])),
    };
  }

  private shutdownCheck(): HealthIndicatorResult {
    const check = this.indicator.check('shutdown');
    return this.lifecycle.isShuttingDown ? check.down({ reason: 'draining' }) : check.up();
  }
}
