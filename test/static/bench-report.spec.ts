import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, evaluateTargets, type Verdict } from '../../bench/report';
import { type RoundSample, roundRatio, type TargetSummary } from '../../bench/stats';

const published = (): BenchResult & { verdicts: Verdict[] } =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'benchmarks.json'), 'utf8')) as BenchResult & {
    verdicts: Verdict[];
  };

/** The run as the bench wrote it before it measured the service on fastify. */
const withoutFastify = (result: BenchResult): BenchResult => ({
  ...result,
  targets: result.targets.filter((t) => !t.group.endsWith('-fastify')),
  adapters: undefined,
});

const sample = (round: number, requestsPerSec: number): RoundSample => ({
  round,
  requestsPerSec,
  cpuMicrosPerRequest: NaN,
  load: {
    name: 'x',
    requests: requestsPerSec,
    ok: requestsPerSec,
    durationSec: 1,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
  },
});

describe('bench report', () => {
  it('judges the published run as it was published', () => {
    const result = published();
    const judged = ({ goal, measured, met, gap }: Verdict) => ({ goal, measured, met, gap });
    expect(evaluateTargets(result).map(judged)).toEqual(result.verdicts.map(judged));
  });

  it('judges no fastify target in a run that did not measure the service on fastify', () => {
    const result = withoutFastify(published());
    expect(evaluateTargets(result).filter((v) => v.adapter === 'fastify')).toEqual([]);
  });

  it('judges each adapter against its own bare route, and fastify against express', () => {
    const result = withoutFastify(published());
    const express = (id: string) => result.targets.find((t) => t.id === `postgres:${id}`)!;
    const onFastify = (id: string, ratio: number): TargetSummary => ({
      ...express(id),
      id: `postgres-fastify:${id}`,
      group: 'postgres-fastify',
      ratios: { ...express(id).ratios, 'bare-nest-fastify': ratio },
    });
    result.targets.push(onFastify('me', 0.31), onFastify('health', 0.79));
    result.adapters = { kind: 'postgres', meFastifyOverExpress: 3.2 };

    const byAdapter = (adapter: string) =>
      evaluateTargets(result)
        .filter((v) => v.adapter === adapter)
        .map(({ goal, measured, met }) => ({ goal, measured, met }));
    expect(byAdapter('express')).toEqual([
      expect.objectContaining({ goal: expect.stringMatching(/^GET \/users\/me .* ≥ 0\.45x bare NestJS-express/) }),
      expect.objectContaining({ goal: expect.stringMatching(/^GET \/health\/live .* ≥ 0\.8x bare NestJS-express/) }),
    ]);
    expect(byAdapter('fastify')).toEqual([
      {
        goal: 'GET /users/me on fastify (PostgreSQL + Redis) ≥ 0.30x bare NestJS-fastify req/s',
        measured: '0.31x',
        met: true,
      },
      {
        goal: 'GET /users/me on fastify (PostgreSQL + Redis) ≥ 3x GET /users/me on express req/s',
        measured: '3.20x',
        met: true,
      },
      {
        goal: 'GET /health/live on fastify (PostgreSQL + Redis) ≥ 0.8x bare NestJS-fastify req/s',
        measured: '0.79x',
        met: false,
      },
    ]);
  });

  it('compares two targets round by round, only within the same round', () => {
    const fastify = [sample(0, 300), sample(1, 100), sample(2, 900)];
    const express = [sample(2, 300), sample(0, 100), sample(1, 100)];
    expect(roundRatio(fastify, express)).toBe(3);
    expect(roundRatio(fastify, [sample(5, 100)])).toBeNaN();
  });
});
