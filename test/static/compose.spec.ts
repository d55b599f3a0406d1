import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { envSchema } from '@/config/env.schema';

/** docker-compose.yml checked as data: the cluster it describes, and the variables it hands the app. */

const ROOT = resolve(__dirname, '..', '..');
const KNOWN_VARIABLES = new Set(Object.keys(envSchema.shape));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  volumes?: string[];
  profiles?: string[];
  ports?: string[];
  stop_grace_period?: string;
  expose?: string[];
}

const source = readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8');
const document = parseDocument(source, { merge: true });
const compose = document.toJS({ maxAliasCount: 100 }) as { services: Record<string, Service>; volumes: object };
const { services } = compose;

describe('docker-compose.yml', () => {
  it('parses without errors', () => {
    expect(document.errors).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(
      ['app', 'consul', 'grafana', 'mailpit', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis', 'worker'].sort(),
    );
  });

  it('runs three app replicas from the image built by docker/Dockerfile', () => {
    expect(services.app.deploy?.replicas).toBe(3);
    expect(services.app.build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile', target: 'runtime' });
    expect(existsSync(resolve(ROOT, services.app.build!.dockerfile))).toBe(true);
  });

  it.each(['app', 'worker', 'migrate'])('gives %s only variables that src/config/env.schema.ts declares', (name) => {
    const env = services[name].environment ?? {};
    expect(Object.keys(env).length).toBeGreaterThan(5);
    expect(Object.keys(env).filter((key) => !KNOWN_VARIABLES.has(key))).toEqual([]);
  });

  it('configures the app for production on PostgreSQL and Redis, behind one trusted proxy', () => {
    const env = services.app.environment!;
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/app:\$\{POSTGRES_PASSWORD:\?.+\}@postgres:5432\/app$/);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.TRUST_PROXY).toBe('1');
    // Secrets are required from the operator's environment, never defaulted in the file.
    for (const key of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET']) expect(env[key]).toMatch(/^\$\{\w+:\?.+\}$/);
  });

  it('runs the jobs in a worker from the app image and settings, and the app replicas as api only', () => {
    const { worker, app } = services;
    expect(app.environment!.APP_ROLE).toBe('api');
    expect(worker.environment!.APP_ROLE).toBe('worker');
    expect(worker.image).toBe(app.image);
    expect(worker.build).toEqual(app.build);
    for (const key of [
      'NODE_ENV',
      'DATABASE_URL',
      'REDIS_URL',
      'JWT_ACCESS_SECRET',
      'JWT_REFRESH_SECRET',
      'SMTP_URL',
    ]) {
      expect(worker.environment![key]).toBe(app.environment![key]);
    }
    expect(worker.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(worker.ports).toBeUndefined();
    expect(worker.healthcheck!.test!.join(' ')).toContain('/health/ready');
    const drainS =
      (Number(worker.environment!.SHUTDOWN_DELAY_MS) + Number(worker.environment!.SHUTDOWN_TIMEOUT_MS)) / 1000;
    expect(Number.parseInt(worker.stop_grace_period ?? '10', 10)).toBeGreaterThan(drainS);
  });

  it('sends the mail of app and worker to the Mailpit catcher unless SMTP_URL names a relay', () => {
    for (const name of ['app', 'worker']) {
      expect(services[name].environment!.SMTP_URL).toBe('${SMTP_URL:-smtp://mailpit:1025}');
    }
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit:v\d+\.\d+/);
    // The UI shows every mail, reset links included: loopback only. SMTP stays inside the compose network.
    expect(services.mailpit.ports).toEqual(['127.0.0.1:${MAILPIT_PORT:-8025}:8025']);
    expect(services.worker.depends_on?.mailpit).toEqual({ condition: 'service_healthy' });
  });

  it('migrates once in a one-shot step before the replicas start', () => {
    expect(services.migrate.command).toEqual(['node', 'dist/infra/database/migrate.main.js']);
    expect(services.app.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    expect(services.migrate.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
  });

  it('waits longer than the drain before killing a replica', () => {
    const env = services.app.environment!;
    const drainS = (Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000;
    expect(Number.parseInt(services.app.stop_grace_period ?? '10', 10)).toBeGreaterThan(drainS);
  });

  it('health-checks every long-running service and starts each after what it needs is healthy', () => {
    for (const name of ['nginx', 'app', 'worker', 'mailpit', 'postgres', 'redis', 'prometheus', 'grafana', 'consul']) {
      expect(services[name].healthcheck?.test?.length).toBeGreaterThan(0);
    }
    expect(services.app.healthcheck!.test!.join(' ')).toContain('/health/ready');
    expect(services.app.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(services.nginx.depends_on).toEqual({ app: { condition: 'service_healthy' } });
  });

  it('keeps PostgreSQL, Redis, Prometheus and Grafana data in named volumes', () => {
    const mounts = (name: string) => (services[name].volumes ?? []).map((v) => v.split(':')[0]);
    expect(mounts('postgres')).toContain('postgres-data');
    expect(mounts('redis')).toContain('redis-data');
    expect(mounts('prometheus')).toContain('prometheus-data');
    expect(mounts('grafana')).toContain('grafana-data');
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data', 'redis-data', 'prometheus-data', 'grafana-data']);
  });

  it('provisions Prometheus and Grafana from monitoring/', () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro',
      ]),
    );
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        './monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        './monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
  });

  it('puts nginx, configured from docker/, as the only public entry to the app', () => {
    expect(services.nginx.volumes).toEqual(['./docker/nginx/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(existsSync(resolve(ROOT, 'docker/nginx/nginx.conf'))).toBe(true);
    expect(services.app.ports).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
    expect(services.postgres.ports).toBeUndefined();
    expect(services.redis.ports).toBeUndefined();
  });

  it('publishes only nginx on every interface; internal services on loopback, if at all', () => {
    // A published port is [host_ip:]host_port:container_port; without a host ip Docker binds every interface.
    // Interpolations (`${PORT:-9090}`) are taken out first: their `:-` is not a separator.
    const hostIp = (port: string) =>
      /^(?:(\[[^\]]*\]|[^:]+):)?[^:]+:[^:]+$/.exec(port.replace(/\$\{[^}]*\}/g, 'VAR'))?.[1] ?? 'every interface';
    const exposed = Object.entries(services)
      .filter(([name]) => name !== 'nginx')
      .flatMap(([name, service]) => (service.ports ?? []).map((port) => `${name} ${port} on ${hostIp(String(port))}`))
      .filter((binding) => !binding.endsWith(' on 127.0.0.1'));
    expect(exposed).toEqual([]);
    expect(services.nginx.ports).toEqual(['${HTTP_PORT:-8080}:80']);
  });

  it('leaves the Prometheus lifecycle and admin APIs off', () => {
    const enabled = Object.entries(services).flatMap(([name, service]) =>
      (service.command ?? [])
        .filter((arg) => /--web\.enable-(lifecycle|admin-api)/.test(arg))
        .map((arg) => `${name} ${arg}`),
    );
    expect(enabled).toEqual([]);
  });

  it('starts Consul only under the consul profile, with registration off unless asked for', () => {
    expect(services.consul.profiles).toEqual(['consul']);
    expect(Object.entries(services).filter(([, s]) => s.profiles !== undefined)).toHaveLength(1);
    expect(services.app.environment!.CONSUL_HTTP_ADDR).toBe('${CONSUL_HTTP_ADDR:-}');
  });
});
