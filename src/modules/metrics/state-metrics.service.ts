import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { HealthService } from '@/modules/health/health.service';
import { gauge } from '@/infra/metrics/metric-registry';
import { poolSnapshots, PoolSnapshot } from './db-pool';

/** What one running application contributes to a scrape. */
interface StateSource {
  pools(): PoolSnapshot[];
  ready(): Promise<boolean>;
}

/*
 * The gauges are process-wide (prom-client's default registry) while applications come
 * and go (tests boot several in one process), so their collect callbacks read whatever
 * applications are registered at scrape time.
 */
const sources = new Set<StateSource>();

function defineGauges(): void {
  gauge({
    name: 'db_pool_connections',
    help: 'Database pool at scrape time: total open connections, idle ones, and queries waiting for one',
    labelNames: ['pool', 'state'] as const,
    collect() {
      this.reset();
      for (const source of sources) {
        for (const s of source.pools()) {
          this.inc({ pool: s.pool, state: 'total' }, s.total);
          this.inc({ pool: s.pool, state: 'idle' }, s.idle);
          this.inc({ pool: s.pool, state: 'waiting' }, s.waiting);
        }
      }
    },
  });
  gauge({
    name: 'db_pool_max_connections',
    help: 'Configured size of the database pool (DATABASE_POOL_SIZE; 1 for SQLite)',
    labelNames: ['pool'] as const,
    collect() {
      this.reset();
      for (const source of sources) for (const s of source.pools()) this.inc({ pool: s.pool }, s.max);
    },
  });
  gauge({
    name: 'app_ready',
    help: '1 when the readiness check passes (dependencies answer, not shutting down), else 0',
    async collect() {
      if (sources.size === 0) return;
      const results = await Promise.all([...sources].map((source) => source.ready()));
      this.set(results.every(Boolean) ? 1 : 0);
    },
  });
}

/**
 * State read on scrape rather than on every change: pool occupancy and readiness. The
 * readiness gauge runs the very check behind `/health/ready` (looked up lazily, so this
 * module does not depend on the health module's wiring), which keeps the "not ready"
 * alert and the load balancer's view of the instance in agreement.
 */
@Injectable()
export class StateMetrics implements OnModuleInit, OnModuleDestroy, StateSource {
  private health?: HealthService;

  constructor(
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    defineGauges();
    this.health = this.moduleRef.get(HealthService, { strict: false });
    sources.add(this);
  }

  onModuleDestroy(): void {
    sources.delete(this);
  }

  pools(): PoolSnapshot[] {
    return poolSnapshots(this.dataSource);
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
