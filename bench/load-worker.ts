/**
 * The load generator, in a process of its own: autocannon competes with the servers for
 * the machine's cores, and keeping it out of the orchestrator means the orchestrator's own
 * bookkeeping never shows up in the measured latencies. It answers one `LoadJob` message at
 * a time over IPC with one `LoadResult` per scenario, all scenarios of a job run at once.
 */
import type { LoadJob, LoadResult, LoadScenario } from './load-types';

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

// autocannon ships no types; only the fields above are read.
const autocannon = require('autocannon') as Autocannon;

interface AutocannonClient {
  setHeaders(headers: Record<string, string>): void;
}

async function runScenario(s: LoadScenario): Promise<LoadResult> {
  let clients = 0;
  const setupClient = (client: AutocannonClient) => {
    const n = ++clients;
    client.setHeaders({ ...s.headers, 'x-forwarded-for': `10.1.${n >> 8}.${n & 255}` });
  };
  const result = await autocannon({
    url: s.url,
    method: s.method ?? 'GET',
    headers: s.headers,
    body: s.body,
    connections: s.connections,
    duration: s.durationSec,
    overallRate: s.rate,
    timeout: 10,
    setupClient: s.distinctClients ? setupClient : undefined,
  });
  return {
    name: s.name,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  };
}

process.on('message', (job: LoadJob) => {
  Promise.all(job.scenarios.map(runScenario)).then(
    (results) => process.send?.({ id: job.id, results }),
    (error: unknown) => process.send?.({ id: job.id, error: String(error) }),
  );
});
