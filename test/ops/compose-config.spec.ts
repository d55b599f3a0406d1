import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml read by Debian's `docker-compose` (1.29): every service, volume,
 * network, profile and interpolation must be valid Compose. That release predates the
 * Compose Specification's top-level `name`, the one key it cannot read, so the copy it
 * checks has it taken out; everything else is the shipped file.
 */

const ROOT = resolve(__dirname, '..', '..');
const REQUIRED = {
  POSTGRES_PASSWORD: 'pw',
  JWT_ACCESS_SECRET: 'a',
  JWT_REFRESH_SECRET: 'b',
  GRAFANA_ADMIN_PASSWORD: 'g',
};

function composeConfig(file: string, env: Record<string, string>) {
  return spawnSync('docker-compose', ['-f', file, '--project-directory', ROOT, 'config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe('docker-compose.yml under docker-compose 1.29', () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-'));
    const source = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(source).toMatch(/^name: nest-enterprise-backend$/m);
    file = join(dir, 'docker-compose.yml');
    // Removed as text, not re-serialised: YAML 1.1 (what 1.29 reads) and 1.2 quote differently.
    writeFileSync(file, source.replace(/^name: .*\n/m, ''));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is valid Compose once the required secrets are set, with the app replicas behind nginx', () => {
    const result = composeConfig(file, REQUIRED);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const services = Object.keys((parse(result.stdout) as { services: object }).services);
    expect(services).toEqual(
      expect.arrayContaining(['app', 'nginx', 'postgres', 'redis', 'migrate', 'worker', 'mailpit']),
    );
  });

  it('renders the worker with the app settings and APP_ROLE=worker, and the mail catcher UI on loopback', () => {
    const { services } = parse(composeConfig(file, REQUIRED).stdout) as {
      services: Record<string, { environment?: Record<string, string>; ports?: string[] }>;
    };
    const { APP_ROLE, SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS, ...shared } = services.worker.environment!;
    expect(APP_ROLE).toBe('worker');
    expect(services.app.environment!.APP_ROLE).toBe('api');
    expect(shared).toEqual(
      Object.fromEntries(
        Object.entries(services.app.environment!).filter(
          ([key]) => !['APP_ROLE', 'SHUTDOWN_DELAY_MS', 'SHUTDOWN_TIMEOUT_MS'].includes(key),
        ),
      ),
    );
    expect(Number(SHUTDOWN_TIMEOUT_MS)).toBeGreaterThan(Number(SHUTDOWN_DELAY_MS));
    expect(shared.SMTP_URL).toBe('smtp://mailpit:1025');
    expect(services.worker.ports).toBeUndefined();
    expect(services.mailpit.ports).toEqual(['127.0.0.1:8025:8025/tcp']);
  });

  it('refuses to render without the secrets, naming what to do', () => {
    const result = composeConfig(file, {});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('run scripts/deploy.sh compose or set POSTGRES_PASSWORD');
  });
});
