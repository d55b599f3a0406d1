import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { KUBERNETES_MODELS, Manifest, parseManifests } from '@test/support/kubernetes';

/** What `kubectl apply -k k8s` would send to a cluster, rendered by kubectl's kustomize and checked object by object. */

const ROOT = resolve(__dirname, '..', '..');
const NAMESPACE = 'nest-enterprise-backend';

function render(dir: string): Manifest[] {
  return parseManifests(execFileSync('kubectl', ['kustomize', resolve(ROOT, dir)], { encoding: 'utf8' }));
}

describe('kubectl kustomize k8s', () => {
  const manifests = render('k8s');
  const one = <T>(kind: string): T => {
    const found = manifests.filter((m) => m.kind === kind);
    expect(found).toHaveLength(1);
    return found[0] as T;
  };
  const deployment = one<Deployment>('Deployment');
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0];
  const podLabels = deployment.spec!.template.metadata!.labels!;
  const configMap = one<ConfigMap>('ConfigMap');

  it('renders every resource the service needs, all in its namespace', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Job',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
      ].sort(),
    );
    for (const m of manifests.filter((m) => m.kind !== 'Namespace')) expect(m.metadata.namespace).toBe(NAMESPACE);
  });

  it.each(manifests.map((m) => [`${m.kind}/${m.metadata.name}`, m] as const))(
    '%s validates against the Kubernetes schema',
    (_name, manifest) => {
      const Model = KUBERNETES_MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model(manifest as never).validate()).not.toThrow();
    },
  );

  describe('Deployment', () => {
    it('probes readiness on /health/ready, liveness on /health/live, and guards slow boots with a startup probe', () => {
      expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/health/ready', port: 'http' });
      expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/health/live', port: 'http' });
      expect(container.startupProbe?.httpGet).toMatchObject({ path: '/health/live', port: 'http' });
      const startupBudgetS = container.startupProbe!.periodSeconds! * container.startupProbe!.failureThreshold!;
      expect(startupBudgetS).toBeGreaterThanOrEqual(60);
      expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
      expect(configMap.data!.PORT).toBe('3000');
    });

    it('requests and limits CPU and memory', () => {
      expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    });

    it('runs as non-root on a read-only root filesystem without capabilities', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      // Node and the app may write temporary files; only /tmp is writable, and it is scratch space.
      expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    });

    it('spreads its pods across nodes', () => {
      const byHost = pod.topologySpreadConstraints?.find((c) => c.topologyKey === 'kubernetes.io/hostname');
      expect(byHost).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' });
      expect(byHost!.labelSelector!.matchLabels).toEqual(podLabels);
    });

    it('lets the app drain within the grace period after preStop', () => {
      const preStop = container.lifecycle!.preStop!.exec!.command!;
      const drainS =
        Number(preStop[1]) +
        (Number(configMap.data!.SHUTDOWN_DELAY_MS) + Number(configMap.data!.SHUTDOWN_TIMEOUT_MS)) / 1000;
      expect(preStop[0]).toBe('sleep');
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drainS);
      expect(pod.terminationGracePeriodSeconds).toBeLessThanOrEqual(drainS + 15);
    });

    it('reads its settings from the ConfigMap and the Secret, and never pins a replica count', () => {
      expect(container.envFrom).toEqual([
        { configMapRef: { name: 'api-config' } },
        { secretRef: { name: 'api-secrets' } },
      ]);
      expect(deployment.spec!.replicas).toBeUndefined();
      expect(deployment.spec!.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    });
  });

  it('exposes the pods through a Service and the Ingress', () => {
    const service = one<Service>('Service');
    const ingress = one<Ingress>('Ingress');
    expect(service.spec!.selector).toEqual(podLabels);
    expect(service.spec!.ports![0]).toMatchObject({ port: 80, targetPort: 'http' });
    const paths = ingress.spec!.rules![0].http!.paths;
    for (const path of paths) {
      expect(path.backend.service).toEqual({ name: service.metadata!.name, port: { name: 'http' } });
    }
    // The API and the probes are public; /metrics and the API docs are not routed from outside the cluster.
    expect(paths.map((p) => p.path).sort()).toEqual(['/api', '/health']);
  });

  it('autoscales between at least two pods on CPU, memory and per-pod request rate, slow to scale down', () => {
    const hpa = one<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec!.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
    const resources = hpa.spec!.metrics!.filter((m) => m.type === 'Resource').map((m) => m.resource!.name);
    expect(resources.sort()).toEqual(['cpu', 'memory']);
    const perPod = hpa.spec!.metrics!.filter((m) => m.type === 'Pods').map((m) => m.pods!.metric.name);
    expect(perPod).toEqual(['http_requests_per_second', 'http_requests_in_flight']);
    expect(hpa.spec!.behavior!.scaleDown!.stabilizationWindowSeconds).toBeGreaterThanOrEqual(120);
  });

  it('keeps all but one pod through voluntary disruptions', () => {
    const pdb = one<PodDisruptionBudget>('PodDisruptionBudget');
    expect(pdb.spec!.selector!.matchLabels).toEqual(podLabels);
    expect(pdb.spec!.maxUnavailable).toBe(1);
  });

  it('admits traffic only from the ingress controller and Prometheus, on the app port', () => {
    const policy = one<NetworkPolicy>('NetworkPolicy');
    expect(policy.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec!.ingress).toHaveLength(1);
    const sources = policy.spec!.ingress![0].from!.map((f) => f.namespaceSelector?.matchLabels);
    expect(sources).toEqual([
      { 'kubernetes.io/metadata.name': 'ingress-nginx' },
      { 'kubernetes.io/metadata.name': 'monitoring' },
    ]);
    expect(policy.spec!.ingress![0].ports).toEqual([{ port: 3000, protocol: 'TCP' }]);
    const egressPorts = policy.spec!.egress!.flatMap((rule) => rule.ports!.map((p) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 6379]));
    // The selector covers the migration Job's pods too.
    expect(podLabels).toMatchObject(policy.spec!.podSelector.matchLabels!);
  });

  it('migrates with a Job on the same image and configuration, as non-root', () => {
    const job = one<Job>('Job');
    const jobPod = job.spec!.template.spec!;
    const migrate = jobPod.containers[0];
    expect(migrate.image).toBe(container.image);
    expect(migrate.command).toEqual(['node', 'dist/infra/database/migrate.main.js']);
    expect(migrate.envFrom).toEqual(container.envFrom);
    expect(jobPod.restartPolicy).toBe('Never');
    expect(jobPod.securityContext?.runAsNonRoot).toBe(true);
    expect(migrate.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(job.spec!.backoffLimit).toBeGreaterThan(0);
  });

  it('labels the Namespace for the restricted Pod Security profile', () => {
    expect(one<Namespace>('Namespace').metadata!.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('renders the monitoring overlay: a PodMonitor scraping the api pods on the named port', () => {
    const [podMonitor] = render('k8s/monitoring') as Array<
      Manifest & { spec: { selector: { matchLabels: object }; podMetricsEndpoints: { port: string; path: string }[] } }
    >;
    expect(podMonitor.kind).toBe('PodMonitor');
    expect(podMonitor.spec.selector.matchLabels).toEqual(podLabels);
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
  });
});
