import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * scripts/*.sh: shellcheck-clean, and deploy.sh driven end to end against stand-ins for
 * docker and kubectl that record their calls (kubectl's stand-in renders what would be
 * applied with the real `kubectl kustomize`).
 */

const ROOT = resolve(__dirname, '..', '..');
const SCRIPTS = join(ROOT, 'scripts');
const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

const DOCKER_STUB = `#!/bin/sh
echo "docker $*" >>"$CALLS"
`;
const KUBECTL_STUB = `#!/bin/sh
echo "kubectl $*" >>"$CALLS"
case "$*" in
  *"apply -k "*) eval "dir=\\\${$#}"; "$REAL_KUBECTL" kustomize "$dir" >"$RENDERED" ;;
  *"get secret"*) [ "$SECRET_EXISTS" = 1 ] ;;
  *"create secret"*) echo "kind: Secret" ;;
  *"apply -f -"*) cat >>"$APPLIED" ;;
esac
`;

describe('scripts', () => {
  it.each(readdirSync(SCRIPTS).filter((f) => f.endsWith('.sh')))('%s passes shellcheck', (file) => {
    const result = spawnSync('shellcheck', ['--severity=style', join(SCRIPTS, file)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('scripts/deploy.sh', () => {
  let dir: string;
  let bin: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const [name, body] of [
      ['docker', DOCKER_STUB],
      ['kubectl', KUBECTL_STUB],
    ] as const) {
      writeFileSync(join(bin, name), body);
      chmodSync(join(bin, name), 0o755);
    }
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync('/bin/bash', [script, ...args], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
        HOME: dir,
        CALLS: join(dir, 'calls'),
        RENDERED: join(dir, 'rendered.yaml'),
        APPLIED: join(dir, 'applied.yaml'),
        REAL_KUBECTL: KUBECTL,
        ...env,
      },
    });
  const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');

  it('refuses to run without a target', () => {
    const result = run(join(SCRIPTS, 'deploy.sh'), []);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('scripts/deploy.sh compose');
  });

  it('names the missing tool and stops before doing anything', () => {
    // A PATH with coreutils' dirname and kubectl, but no docker.
    const tools = join(dir, 'tools');
    mkdirSync(tools);
    symlinkSync(
      spawnSync('sh', ['-c', 'command -v dirname'], { encoding: 'utf8' }).stdout.trim(),
      join(tools, 'dirname'),
    );
    symlinkSync(join(bin, 'kubectl'), join(tools, 'kubectl'));
    const result = spawnSync('/bin/bash', [join(SCRIPTS, 'deploy.sh'), 'kubernetes'], {
      encoding: 'utf8',
      env: { PATH: tools, CALLS: join(dir, 'calls') },
    });
    expect(result.stderr.trim()).toBe("deploy: needs 'docker' on PATH");
    expect(result.status).toBe(1);
  });

  it('builds, pushes, creates the Secret, replaces the migration Job, applies the pinned image and waits', () => {
    const result = run(join(SCRIPTS, 'deploy.sh'), ['kubernetes'], {
      IMAGE: 'registry.example.com/api',
      TAG: 'v1.2.3',
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      REDIS_URL: 'redis://redis:6379',
      JWT_ACCESS_SECRET: 'a'.repeat(48),
      JWT_REFRESH_SECRET: 'b'.repeat(48),
    });
    expect(result.stderr).not.toMatch(/deploy: /);
    expect(result.status).toBe(0);

    // The Secret's create/apply pipeline runs concurrently, so only the order of the steps is asserted.
    const all = calls().join('\n');
    const order = [
      'docker build -f',
      'docker push registry.example.com/api:v1.2.3',
      'kubectl apply -f ' + join(ROOT, 'k8s', 'namespace.yaml'),
      'create secret generic api-secrets',
      'delete job api-migrate --ignore-not-found',
      'kubectl apply -k',
      'wait --for=condition=complete job/api-migrate',
      'rollout status deployment/api',
      'rollout status deployment/worker',
    ].map((step) => all.indexOf(step));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(all).toMatch(/docker build .*--target runtime .*-t registry\.example\.com\/api:v1\.2\.3/);
    expect(all).toContain('delete job api-migrate --ignore-not-found');
    expect(all).toContain('wait --for=condition=complete job/api-migrate');
    expect(all).toContain('rollout status deployment/api');
    expect(all).toContain('rollout status deployment/worker');
    expect(all.indexOf('delete job')).toBeLessThan(all.indexOf('apply -k'));

    const rendered = parseAllDocuments(readFileSync(join(dir, 'rendered.yaml'), 'utf8')).map(
      (d) => d.toJS() as { kind: string; spec: { template: { spec: { containers: { image: string }[] } } } },
    );
    const images = rendered
      .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
      .map((m) => m.spec.template.spec.containers[0].image);
    // The API, the worker and the migration Job.
    expect(images).toEqual(Array(3).fill('registry.example.com/api:v1.2.3'));
  });

  it('stops before applying anything when there is neither a Secret nor the values to create one', () => {
    const result = run(join(SCRIPTS, 'deploy.sh'), ['kubernetes'], { SKIP_BUILD: '1', SECRET_EXISTS: '0' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Secret api-secrets does not exist');
    expect(calls().some((line) => line.includes('apply -k'))).toBe(false);
  });

  it('writes random credentials to .env once, then brings the compose stack up and waits for health', () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'scripts'), { recursive: true });
    copyFileSync(join(SCRIPTS, 'deploy.sh'), join(repo, 'scripts', 'deploy.sh'));
    copyFileSync(join(ROOT, 'docker-compose.yml'), join(repo, 'docker-compose.yml'));

    expect(run(join(repo, 'scripts', 'deploy.sh'), ['compose'], { TAG: 't1' }).status).toBe(0);
    const first = readFileSync(join(repo, '.env'), 'utf8');
    expect(run(join(repo, 'scripts', 'deploy.sh'), ['compose'], { TAG: 't1' }).status).toBe(0);

    expect(readFileSync(join(repo, '.env'), 'utf8')).toBe(first);
    expect(statSync(join(repo, '.env')).mode & 0o777).toBe(0o600);
    const values = Object.fromEntries(
      first
        .trim()
        .split('\n')
        .map((line) => line.split('=')),
    );
    expect(Object.keys(values).sort()).toEqual(
      ['GRAFANA_ADMIN_PASSWORD', 'JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'POSTGRES_PASSWORD'].sort(),
    );
    expect(new Set(Object.values(values)).size).toBe(4);
    for (const value of Object.values(values)) expect(value).toMatch(/^[0-9a-f]{96}$/);
    expect(calls()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^docker build .* -t nest-enterprise-backend:t1 /),
        expect.stringMatching(/^docker compose -f .*docker-compose\.yml .* up -d --wait/),
      ]),
    );
  });
});
