import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/** The Prometheus configuration and alert rules, checked and unit-tested by Debian's promtool. */

const MONITORING = resolve(__dirname, '..', '..', 'monitoring');
const ADAPTER_VALUES = resolve(__dirname, '..', '..', 'k8s', 'monitoring', 'prometheus-adapter-values.yaml');

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: MONITORING, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('promtool', () => {
  it('accepts prometheus.yml and the rule file it loads', () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('accepts the alert rules', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('passes the alert unit tests', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('fails the unit tests when an alert stops firing as specified', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      copyFileSync(join(MONITORING, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
      const loosened = readFileSync(join(MONITORING, 'alerts.yml'), 'utf8').replace('> 0.05', '> 0.5');
      writeFileSync(join(dir, 'alerts.yml'), loosened);
      const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir, encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain('alertname: HighErrorRatio');
      expect(run.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the prometheus-adapter external rule for app_jobs_waiting', () => {
    type Rule = { name: { as: string }; metricsQuery: string };
    const rules =
      (parse(readFileSync(ADAPTER_VALUES, 'utf8')) as { rules: { external?: Rule[] } }).rules.external ?? [];
    const rule = rules.find((r) => r.name.as === 'app_jobs_waiting')!;
    let dir: string;

    // What the adapter sends Prometheus for the worker HPA's selector (queue=mail) in its namespace.
    const asQueried = (metricsQuery: string) =>
      metricsQuery
        .replace('<<.Series>>', 'app_jobs_waiting')
        .replace('<<.LabelMatchers>>', 'namespace="nest-enterprise-backend",queue="mail"');

    /** The query as a recording rule, evaluated by `promtool test rules` over three pods that all see one backlog. */
    function testRule(metricsQuery: string) {
      writeFileSync(
        join(dir, 'adapter.yml'),
        stringify({
          groups: [{ name: 'adapter', rules: [{ record: 'adapter:app_jobs_waiting', expr: asQueried(metricsQuery) }] }],
        }),
      );
      const series = (labels: string, values: string) => ({ series: `app_jobs_waiting{${labels}}`, values });
      const ns = 'job="app", namespace="nest-enterprise-backend"';
      writeFileSync(
        join(dir, 'adapter.test.yml'),
        stringify({
          rule_files: ['adapter.yml'],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [
                series(`${ns}, pod="api-1", queue="mail"`, '120x5'),
                series(`${ns}, pod="api-2", queue="mail"`, '120x5'),
                series(`${ns}, pod="worker-1", queue="mail"`, '120x5'),
                series(`${ns}, pod="worker-1", queue="maintenance"`, '3x5'),
                series('job="app", namespace="other", pod="api-1", queue="mail"', '999x5'),
              ],
              promql_expr_test: [
                {
                  expr: 'adapter:app_jobs_waiting',
                  eval_time: '2m',
                  exp_samples: [{ labels: 'adapter:app_jobs_waiting{queue="mail"}', value: 120 }],
                },
              ],
            },
          ],
        }),
      );
      const check = spawnSync('promtool', ['check', 'rules', 'adapter.yml'], { cwd: dir, encoding: 'utf8' });
      const test = spawnSync('promtool', ['test', 'rules', 'adapter.test.yml'], { cwd: dir, encoding: 'utf8' });
      return {
        check: `${check.stdout}${check.stderr}`,
        checkStatus: check.status,
        test: `${test.stdout}${test.stderr}`,
        testStatus: test.status,
      };
    }

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'promtool-adapter-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is valid PromQL and reads the backlog once, not once per scraped pod', () => {
      expect(rule).toBeDefined();
      const run = testRule(rule.metricsQuery);
      expect(run.check).toContain('SUCCESS: 1 rules found');
      expect(run.checkStatus).toBe(0);
      expect(run.test).toContain('SUCCESS');
      expect(run.testStatus).toBe(0);
    });

    it('would fail the same case if the pods were summed', () => {
      const run = testRule(rule.metricsQuery.replace(/^max by/, 'sum by'));
      expect(run.checkStatus).toBe(0);
      expect(run.test).toMatch(/got: .*queue="mail"} 3\.6E\+02/);
      expect(run.testStatus).not.toBe(0);
    });
  });
});
