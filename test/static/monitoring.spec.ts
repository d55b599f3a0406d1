import { panels, readArtefact, rules, yamlArtefact } from '@test/support/monitoring-artefacts';

describe('monitoring artefacts', () => {
  it('defines the alerts operators rely on, each with a severity, a description and a runbook entry', () => {
    const operations = readArtefact('docs/operations.md');
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'InstanceDown',
        'HighErrorRatio',
        'HighLatencyP99',
        'EventLoopLag',
        'InstanceNotReady',
        'RateLimitSurge',
        'LoginFailureSurge',
        'JobsBacklogGrowing',
        'JobsFailing',
        'JobsStuck',
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
    const tests = yamlArtefact<{
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

  it('scrapes the compose replicas and workers through DNS and loads the alert rules', () => {
    const config = yamlArtefact<{ rule_files: string[]; scrape_configs: Record<string, unknown>[] }>(
      'monitoring/prometheus.yml',
    );
    expect(config.rule_files).toEqual(['alerts.yml']);
    const app = config.scrape_configs.find((job) => job.job_name === 'app');
    expect(app).toMatchObject({
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['app', 'worker'], type: 'A', port: 3000 }],
    });
    const kube = yamlArtefact<{ scrape_configs: Record<string, unknown>[] }>('monitoring/prometheus-kubernetes.yml');
    expect(kube.scrape_configs.find((job) => job.job_name === 'app')).toMatchObject({
      kubernetes_sd_configs: [{ role: 'pod' }],
    });
  });

  it('provisions the Prometheus data source the dashboard panels use', () => {
    const datasources = yamlArtefact<{ datasources: { uid: string; type: string; url: string }[] }>(
      'monitoring/grafana/provisioning/datasources/prometheus.yml',
    ).datasources;
    expect(datasources).toEqual([
      expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    for (const panel of panels) expect(panel.datasource?.uid).toBe('prometheus');
    const providers = yamlArtefact<{ providers: { options: { path: string } }[] }>(
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
      'job queue depth',
      'job throughput and failures',
      'job duration p95',
    ]) {
      expect(titles).toContain(subject);
    }
  });

  it('aggregates the queue gauges, which every instance reports alike, with max and never sum', () => {
    const exprs = [...rules.map((r) => r.expr), ...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))];
    // The aggregation applied to each app_jobs_waiting / app_jobs_active selector, through at most one function.
    const aggregations = exprs.flatMap((expr) =>
      [...expr.matchAll(/(\w+)\s*(?:by\s*\([^)]*\)\s*)?\(\s*(?:\w+\(\s*)?app_jobs_(?:waiting|active)\b/g)].map(
        (m) => m[1],
      ),
    );
    const uses = exprs.flatMap((expr) => [...expr.matchAll(/\bapp_jobs_(?:waiting|active)\b/g)]);
    expect(uses.length).toBeGreaterThanOrEqual(4);
    expect(aggregations).toEqual(uses.map(() => 'max'));
  });
});
