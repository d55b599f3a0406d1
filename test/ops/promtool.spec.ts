import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Prometheus configuration and alert rules, checked and unit-tested by Debian's promtool. */

const MONITORING = resolve(__dirname, '..', '..', 'monitoring');

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
});
