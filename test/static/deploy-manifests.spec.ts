import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Secret } from 'kubernetes-models/v1';
import { envSchema } from '@/config/env.schema';
import { KUBERNETES_MODELS, Manifest, parseManifests } from '@test/support/kubernetes';

/**
 * The Kubernetes sources checked without a cluster or kubectl: every file parses and
 * validates against the Kubernetes schemas, and the values that must agree with the app
 * (variable names, drain timings, metric names) do. The rendered output is checked by
 * test/ops/deploy-kustomize.spec.ts.
 */

const K8S = resolve(__dirname, '..', '..', 'k8s');
const KNOWN_VARIABLES = new Set(Object.keys(envSchema.shape));

/** The rules of k8s/monitoring/prometheus-adapter-values.yaml, as the prometheus-adapter chart reads them. */
interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}
type AdapterRules = { custom: AdapterRule[]; external: AdapterRule[] };

function load(file: string): Manifest[] {
  return parseManifests(readFileSync(join(K8S, file), 'utf8'));
}

/** The one object of `kind` (and `name`) in k8s/, read as the kubernetes-models type `T` that kind validates against. */
const byKind = <T>(kind: string, name?: string): T => {
  const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const found = files.flatMap(load).filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0] as T;
};

describe('k8s/ sources', () => {
  const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };

  it('lists every resource file in kustomization.yaml except the Secret template', () => {
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'secret.template.yaml').sort());
  });

  it.each(readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml'))(
    '%s validates against the Kubernetes schema',
    (file) => {
      for (const manifest of load(file)) {
        const Model = KUBERNETES_MODELS[`${manifest.apiVersion}/${manifest.kind}`];
        expect(Model).toBeDefined();
        expect(() => new Model(manifest as never).validate()).not.toThrow();
      }
    },
  );

  it('names only variables the app declares, in the ConfigMap, the Secret template and the Deployments', () => {
    const configMap = byKind<ConfigMap>('ConfigMap');
    const secret = byKind<Secret>('Secret');
    const env = ['api', 'worker'].flatMap(
      (name) => byKind<Deployment>('Deployment', name).spec!.template.spec!.containers[0].env ?? [],
    );
    const names = [
      ...Object.keys(configMap.data ?? {}),
      ...Object.keys(secret.stringData ?? {}),
      ...env.map((e) => e.name),
    ];
    expect(names.filter((name) => !KNOWN_VARIABLES.has(name))).toEqual([]);
  });

  it('keeps credentials out of the ConfigMap and real values out of the Secret template', () => {
    const configMap = byKind<ConfigMap>('ConfigMap');
    const secret = byKind<Secret>('Secret');
    expect(Object.keys(configMap.data ?? {})).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL/)]),
    );
    expect(secret.data).toBeUndefined();
    expect(Object.values(secret.stringData ?? {}).every((value) => value === '')).toBe(true);
    expect(Object.keys(secret.stringData ?? {})).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET']),
    );
  });

  it('keeps the API docs off in production and unrouted by the Ingress', () => {
    expect(byKind<ConfigMap>('ConfigMap').data!.DOCS_ENABLED).toBe('false');
    const paths = byKind<Ingress>('Ingress').spec!.rules!.flatMap((rule) => rule.http?.paths ?? []);
    expect(paths.filter((p) => /^\/docs/i.test(p.path ?? ''))).toEqual([]);
  });

  it('gives the pod more grace than preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS', () => {
    const configMap = byKind<ConfigMap>('ConfigMap');
    const pod = byKind<Deployment>('Deployment', 'api').spec!.template.spec!;
    const preStop = pod.containers[0].lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const drainS =
      Number(preStop[1]) +
      (Number(configMap.data!.SHUTDOWN_DELAY_MS) + Number(configMap.data!.SHUTDOWN_TIMEOUT_MS)) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drainS);
  });

  it('scales on custom metrics that the prometheus-adapter rules publish from metrics the app exports', () => {
    const hpa = byKind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'api');
    const values = parse(readFileSync(join(K8S, 'monitoring', 'prometheus-adapter-values.yaml'), 'utf8')) as {
      rules: AdapterRules;
    };
    const published = values.rules.custom.map((rule) => rule.name.as);
    const podMetrics = hpa.spec!.metrics!.filter((m) => m.type === 'Pods').map((m) => m.pods!.metric.name);

    expect(podMetrics.length).toBeGreaterThan(0);
    expect(published).toEqual(expect.arrayContaining(podMetrics));
    const series = values.rules.custom.map((rule) => /^(\w+)\{/.exec(rule.seriesQuery)?.[1]);
    expect(series).toEqual(['http_requests_total', 'http_requests_in_flight']);
    expect(values.rules.custom.every((rule) => rule.seriesQuery.includes('pod!=""'))).toBe(true);
  });

  it('scales the workers on the external metric the adapter publishes, collapsed across pods with max', () => {
    const hpa = byKind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'worker');
    const values = parse(readFileSync(join(K8S, 'monitoring', 'prometheus-adapter-values.yaml'), 'utf8')) as {
      rules: AdapterRules;
    };
    const [external] = hpa.spec!.metrics!.filter((m) => m.type === 'External').map((m) => m.external!);
    const rule = values.rules.external.find((r) => r.name.as === external.metric.name);

    expect(rule).toBeDefined();
    expect(new RegExp(rule!.name.matches).test(/^(\w+)\{/.exec(rule!.seriesQuery)![1])).toBe(true);
    // The HPA selects by queue, so the rule must keep that label and not tie the metric to a pod.
    for (const label of Object.keys(external.metric.selector!.matchLabels!)) {
      expect(rule!.seriesQuery).toContain(`${label}!=""`);
      expect(rule!.metricsQuery).toMatch(new RegExp(`^max by \\(${label}\\) `));
    }
    expect(Object.keys(rule!.resources.overrides)).toEqual(['namespace']);
    expect(rule!.metricsQuery).not.toMatch(/\bsum\b/);
  });

  it('runs migrations in the Job through the production entry point', () => {
    const job = byKind<Job>('Job');
    expect(job.spec!.template.spec!.containers[0].command).toEqual(['node', 'dist/infra/database/migrate.main.js']);
    const entry = resolve(__dirname, '..', '..', 'src', 'infra', 'database', 'migrate.main.ts');
    expect(readFileSync(entry, 'utf8')).toContain('runMigrationsExclusively');
  });
});
