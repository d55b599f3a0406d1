import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';

/*
 * prom-client's default registry is process-wide, and tests boot several applications in
 * one process: registering a name twice throws. Every metric is therefore created through
 * these helpers, which hand back the one already registered under that name.
 */

export function counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
  return (register.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter(config);
}

export function gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
  return (register.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge(config);
}

export function histogram<L extends string>(config: HistogramConfiguration<L>): Histogram<L> {
  return (register.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram(config);
}

/** A metric of the default set; when it is registered, the whole set is. */
const DEFAULT_METRICS_MARKER = 'process_cpu_user_seconds_total';

/** Process and Node metrics (CPU, memory, heap spaces, event-loop lag, GC, handles), registered once. */
export function ensureDefaultMetrics(): void {
  if (register.getSingleMetric(DEFAULT_METRICS_MARKER)) return;
  // 10 ms event-loop resolution: lag that matters for an API shows up well above it.
  collectDefaultMetrics({ eventLoopMonitoringPrecision: 10 });
}
