import request from 'supertest';
import { metricNames, panels, rules } from '@test/support/monitoring-artefacts';
import { createTestApp } from '@test/support/test-app';

describe('monitoring artefacts against the running service', () => {
  let exported: Set<string>;

  beforeAll(async () => {
    const t = await createTestApp();
    try {
      const text = (await request(t.server).get('/metrics').expect(200)).text;
      exported = new Set(['up']); // Prometheus' own, per scrape target.
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      }
    } finally {
      await t.close();
    }
  });

  it('uses in the dashboard and the alert rules only metrics the service exports', () => {
    const used = new Set([
      ...rules.flatMap((r) => metricNames(r.expr)),
      ...panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))),
    ]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });
});
