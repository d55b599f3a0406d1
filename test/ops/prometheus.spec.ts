import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { ProbeModule } from '@test/support/probe/probe.module';
import { createTestApp, TestApp } from '@test/support/test-app';

/**
 * A real Prometheus (Debian's `prometheus`) scrapes a running instance every second and
 * evaluates the alert rules against what it scraped.
 */

const ALERTS = resolve(__dirname, '..', '..', 'monitoring', 'alerts.yml');
const REQUESTS = 7;

describe('Prometheus scraping the service', () => {
  let t: TestApp;
  let prometheus: ChildProcess;
  let api: string;
  let dir: string;
  const output: string[] = [];

  const query = async (promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: [] } };
    if (body.status !== 'success') throw new Error(JSON.stringify(body));
    return body.data.result;
  };

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule] });
    const appPort = await freePort();
    await t.app.listen(appPort, '127.0.0.1');

    dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        `rule_files: ['${ALERTS}']`,
        'scrape_configs:',
        `  - { job_name: app, static_configs: [{ targets: ['127.0.0.1:${appPort}'] }] }`,
        '',
      ].join('\n'),
    );
    const promPort = await freePort();
    api = `http://127.0.0.1:${promPort}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) => output.push(chunk.toString());
    prometheus.stdout!.on('data', collect);
    prometheus.stderr!.on('data', collect);
    await waitFor(async () => (await fetch(`${api}/-/ready`)).ok, { what: 'Prometheus ready' });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads back exactly the requests made through a PromQL query on the request counter', async () => {
    for (let i = 0; i < REQUESTS; i++) await request(t.server).get(`/api/v1/probe/${randomUUID()}`).expect(200);
    const promql = 'sum(http_requests_total{job="app", route="/api/v1/probe/:id", status_code="200"})';
    const value = await waitFor(
      async () => {
        const [sample] = await query(promql);
        return sample?.value[1] === String(REQUESTS) ? sample.value[1] : undefined;
      },
      { what: `${promql} == ${REQUESTS}; Prometheus said:\n${output.join('')}` },
    );
    expect(value).toBe(String(REQUESTS));
    expect((await query('up{job="app"}')).map((s) => s.value[1])).toEqual(['1']);
  });

  it('evaluates every alert rule without error, and none fires on a healthy instance', async () => {
    type Rule = { name: string; health: string; lastError?: string; state: string; evaluationTime: number };
    // Rules evaluated before the first scrape see no `up` yet (ServiceDown pending); they settle within seconds.
    const rules = await waitFor(
      async () => {
        const res = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: { rules: Rule[] }[] } };
        const all = res.data.groups.flatMap((g) => g.rules);
        const unsettled = all.filter((r) => r.health !== 'ok' || r.state !== 'inactive');
        if (all.length === 0 || unsettled.length > 0) throw new Error(JSON.stringify(unsettled));
        return all;
      },
      { timeoutMs: 20_000 },
    );
    expect(rules.length).toBeGreaterThanOrEqual(7);
  });
});
