import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { createTestApp } from '@test/support/test-app';

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
const yaml = <T>(path: string) => parse(read(path)) as T;

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

const rules = yaml<{ groups: { rules: Rule[] }[] }>('monitoring/alerts.yml').groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read('monitoring/grafana/dashboards/api.json')) as { uid: string; panels: Panel[] };
const panels = dashboard.panels.filter((p) => p.type !== 'row');

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(
  (
    'sum avg min max count rate irate increase histogram_quantile absent by without on ignoring ' +
    'group_left group_right and or unless bool offset label_values humanize humanizeDuration humanizePercentage'
  ).split(' '),
);

/** The metric names a PromQL expression reads: what remains after strings, matchers, groupings and ranges go. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ');
  return [...stripped.matchAll(/[a-zA-Z_:][\w:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word));
}

describe('monitoring artefacts', () => {
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

  it('defines the alerts operators rely on, each with a severity, a description and a runbook entry', () => {
    const operations = read('docs/operations.md');
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'InstanceDown',
        'HighErrorRatio',
        'HighLatencyP99',
        'EventLoopLag',
        'InstanceNotReady',
        'RateLimitSurge',
        'LoginFailureSurge',
      ]),
    );
    for (const rule of rules) {
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      const anchor = rule.annotations?.runbook?.split('#')[1];
      expect(anchor).toBe(rule.alert.toLowerCase());
      // GitHub derives the anchor from the heading text.
      expect(operations).toMatch(new RegExp(`^#+ ${rule.alert}$`, 'm'));
    }
  });

  it('unit-tests every alert rule', () => {
    const tests = yaml<{
      rule_files: string[];
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    }>('monitoring/alerts.test.yml');
    expect(tests.rule_files).toEqual(['alerts.yml']);
    const firing = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(rules.map((r) => r.alert).filter((name) => !firing.has(name))).toEqual([]);
  });

  it('scrapes the compose replicas through DNS and loads the alert rules', () => {
    const config = yaml<{ rule_files: string[]; scrape_configs: Record<string, unknown>[] }>(
      'monitoring/prometheus.yml',
    );
    expect(config.rule_files).toEqual(['alerts.yml']);
    const app = config.scrape_configs.find((job) => job.job_name === 'app');
    expect(app).toMatchObject({
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['app'], type: 'A', port: 3000 }],
    });
    const kube = yaml<{ scrape_configs: Record<string, unknown>[] }>('monitoring/prometheus-kubernetes.yml');
    expect(kube.scrape_configs.find((job) => job.job_name === 'app')).toMatchObject({
      kubernetes_sd_configs: [{ role: 'pod' }],
    });
  });

  it('provisions the Prometheus data source the dashboard panels use', () => {
    const datasources = yaml<{ datasources: { uid: string; type: string; url: string }[] }>(
      'monitoring/grafana/provisioning/datasources/prometheus.yml',
    ).datasources;
    expect(datasources).toEqual([
      expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    for (const panel of panels) expect(panel.datasource?.uid).toBe('prometheus');
    const providers = yaml<{ providers: { options: { path: string } }[] }>(
      'monitoring/grafana/provisioning/dashboards/dashboards.yml',
    ).providers;
    expect(providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('has a dashboard panel for each subject operators watch', () => {
    const titles = panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const subject of [
      'traffic',
      'error',
      'latency percentiles',
      'in-flight',
      'event-loop',
      'heap',
      'database pool',
      'cache hit ratio',
      'rate-limit',
      'logins',
    ]) {
      expect(titles).toContain(subject);
    }
  });
});
