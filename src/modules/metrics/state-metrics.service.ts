import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { HealthService } from '@/modules/health/health.service';
import { poolSnapshots } from './db-pool';

/**
 * State read on scrape rather than on every change: pool occupancy and readiness, as
 * gauges of the application's registry. The readiness gauge runs the very check behind
 * `/health/ready` (looked up lazily, so this module does not depend on the health
 * module's wiring), which keeps the "not ready" alert and the load balancer's view of
 * the instance in agreement.
 */
@Injectable()
export class StateMetrics implements OnModuleInit {
  private health?: HealthService;

  constructor(
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    registry: Registry,
  ) {
    const pools = () => poolSnapshots(this.dataSource);
    const ready = () => this.ready();
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool at scrape time: total open connections, idle ones, and queries waiting for one',
      labelNames: ['pool', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of pools()) {
          this.set({ pool: s.pool, state: 'total' }, s.total);
          this.set({ pool: s.pool, state: 'idle' }, s.idle);
          this.set({ pool: s.pool, state: 'waiting' }, s.waiting);
        }
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'Configured size of the database pool (DATABASE_POOL_SIZE; 1 for SQLite)',
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of pools()) this.set({ pool: s.pool }, s.max);
      },
    });
    new Gauge({
      name: 'app_ready',
      help: '1 when the readiness check passes (dependencies answer, not shutting down), else 0',
      registers: [registry],
      async collect() {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }

  onModuleInit(): void {
    this.health = this.moduleRef.get(HealthService, { strict: false });
  }

  async ready(): Promise<boolean> {
    try {
      const result = await this.health!.checkReadiness();
      return result.status === 'ok';
    } catch {
      return false;
    }
  }
}
