import type { LoadResult } from './load-types';

export const median = (values: number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One target measured in one round. */
export interface RoundSample {
  round: number;
  load: LoadResult;
  requestsPerSec: number;
  /** Server CPU (user + system, all threads) per completed request. */
  cpuMicrosPerRequest: number;
}

export interface TargetSummary {
  id: string;
  label: string;
  group: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Median over rounds of (this target's req/s ÷ the baseline's req/s in the same round). */
  ratios: Record<string, number>;
}

/** Median over rounds of (req/s of `samples` ÷ req/s of `base` in the same round). */
export function roundRatio(samples: RoundSample[], base: RoundSample[]): number {
  const byRound = new Map(base.map((s) => [s.round, s.requestsPerSec]));
  return median(samples.map((s) => s.requestsPerSec / (byRound.get(s.round) ?? NaN)));
}

export function summarise(
  target: { id: string; label: string; group: string },
  samples: RoundSample[],
  baselines: Record<string, RoundSample[]>,
): TargetSummary {
  const ratios: Record<string, number> = {};
  for (const [name, base] of Object.entries(baselines)) ratios[name] = roundRatio(samples, base);
  const sum = (pick: (s: RoundSample) => number) => samples.reduce((acc, s) => acc + pick(s), 0);
  return {
    ...target,
    requestsPerSec: median(samples.map((s) => s.requestsPerSec)),
    p50Ms: median(samples.map((s) => s.load.p50Ms)),
    p99Ms: median(samples.map((s) => s.load.p99Ms)),
    cpuMicrosPerRequest: median(samples.map((s) => s.cpuMicrosPerRequest)),
    requests: sum((s) => s.load.requests),
    non2xx: sum((s) => s.load.non2xx),
    errors: sum((s) => s.load.errors + s.load.timeouts),
    ratios,
  };
}
