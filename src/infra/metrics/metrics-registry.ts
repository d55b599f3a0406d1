import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The application's own registry, holding prom-client's process and Node metrics (CPU,
 * memory, heap spaces, event-loop lag, GC, handles) and every metric the service defines.
 * Provided through DI, one per application, instead of prom-client's process-wide default:
 * tests boot several applications in one process, and each exports only its own series.
 * (prom-client cannot stop the event-loop and GC monitors it starts for a registry, so each
 * application a test boots stays reachable from them, with its metrics, for the rest of the
 * test process. A service process boots one application and is not affected.)
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  // 10 ms event-loop resolution: lag that matters for an API shows up well above it.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return registry;
}
