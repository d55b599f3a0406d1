import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolSnapshots } from './db-pool';

/**
 * Pool occupancy, read on scrape rather than on every change, as gauges of the
 * application's registry over its own data source's pools.
 */
@Injectable()
export class DbPoolMetrics {
  constructor(dataSource: DataSource, registry: Registry) {
    const pools = () => poolSnapshots(dataSource);
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
  }
}
