/** One autocannon run: a URL hammered by `connections` keep-alive connections for `durationSec`. */
export interface LoadScenario {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
  /** Requests per second across all connections; unset means as fast as the server answers. */
  rate?: number;
  /**
   * Each connection presents its own `X-Forwarded-For` address, as distinct clients behind
   * a load balancer would: one budget per client, like production traffic.
   */
  distinctClients?: boolean;
}

export interface LoadJob {
  id: number;
  scenarios: LoadScenario[];
}

export interface LoadResult {
  name: string;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export type LoadReply = { id: number; results: LoadResult[] } | { id: number; error: string };
