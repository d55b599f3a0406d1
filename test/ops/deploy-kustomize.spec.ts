import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { KUBERNETES_MODELS, LabelSelector, Manifest, parseManifests, selects } from '@test/support/kubernetes';

/** What `kubectl apply -k k8s` would send to a cluster, rendered by kubectl's kustomize and checked object by object. */

const ROOT = resolve(__dirname, '..', '..');
const NAMESPACE = 'nest-enterprise-backend';

function render(dir: string): Manifest[] {
  return parseManifests(execFileSync('kubectl', ['kustomize', resolve(ROOT, dir)], { encoding: 'utf8' }));
}

describe('kubectl kustomize k8s', () => {
  const manifests = render('k8s');
  const one = <T>(kind: string, name?: string): T => {
    const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
    expect(found).toHaveLength(1);
    return found[0] as T;
  };
  const all = <T>(kind: string): T[] => manifests.filter((m) => m.kind === kind) as T[];
  const deployment = one<Deployment>('Deployment', 'api');
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0];
  const podLabels = deployment.spec!.template.metadata!.labels!;
  const configMap = one<ConfigMap>('ConfigMap');

  it('renders every resource the service needs, all in its namespace', () => {
    const twoOfAKind = new Set(['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget']);
    const names = manifests.map((m) => (twoOfAKind.has(m.kind) ? `${m.kind}/${m.metadata.name}` : m.kind));
    expect(names.sort()).toEqual(
      [
        'ConfigMap',
        'Deployment/api',
        'Deployment/worker',
        'HorizontalPodAutoscaler/api',
        'HorizontalPodAutoscaler/worker',
        'Ingress',
        'Job',
        'Namespace',
        'NetworkPolicy/api',
        'NetworkPolicy/worker',
        'PodDisruptionBudget/api',
        'PodDisruptionBudget/worker',
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
      // Serves HTTP only; the jobs run in the worker Deployment.
      expect(container.env).toContainEqual({ name: 'APP_ROLE', value: 'api' });
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
    const hpa = one<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'api');
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
    const pdb = one<PodDisruptionBudget>('PodDisruptionBudget', 'api');
    expect(pdb.spec!.selector!.matchLabels).toEqual(podLabels);
    expect(pdb.spec!.maxUnavailable).toBe(1);
  });

  it('admits traffic only from the ingress controller and Prometheus, on the app port', () => {
    const policy = one<NetworkPolicy>('NetworkPolicy', 'api');
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
    // The selector covers the migration Job's pods too, but not the workers (policies add up).
    expect(podLabels).toMatchObject(policy.spec!.podSelector.matchLabels!);
    expect(policy.spec!.podSelector.matchExpressions).toEqual([
      { key: 'app.kubernetes.io/component', operator: 'In', values: ['api', 'migrate'] },
    ]);
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

  describe('worker', () => {
    const worker = one<Deployment>('Deployment', 'worker');
    const workerPod = worker.spec!.template.spec!;
    const workerContainer = workerPod.containers[0];
    const workerLabels = worker.spec!.template.metadata!.labels!;
    const workerEnv = Object.fromEntries((workerContainer.env ?? []).map((e) => [e.name, e.value]));

    it('runs the jobs from the API image and configuration, with APP_ROLE=worker and no pinned replica count', () => {
      expect(workerContainer.image).toBe(container.image);
      expect(workerContainer.envFrom).toEqual(container.envFrom);
      expect(workerEnv.APP_ROLE).toBe('worker');
      expect(worker.spec!.replicas).toBeUndefined();
      expect(workerLabels).toMatchObject({ 'app.kubernetes.io/component': 'worker' });
      expect(worker.spec!.selector.matchLabels).toEqual(workerLabels);
    });

    it('probes /health/live and /health/ready on the app port, which the worker role still serves', () => {
      expect(workerContainer.ports).toEqual(container.ports);
      expect(workerContainer.readinessProbe?.httpGet).toMatchObject({ path: '/health/ready', port: 'http' });
      expect(workerContainer.livenessProbe?.httpGet).toMatchObject({ path: '/health/live', port: 'http' });
      expect(workerContainer.startupProbe?.httpGet).toMatchObject({ path: '/health/live', port: 'http' });
    });

    it('is as locked down as the API pod', () => {
      expect(workerPod.securityContext).toEqual(pod.securityContext);
      expect(workerContainer.securityContext).toEqual(container.securityContext);
      expect(workerContainer.volumeMounts).toEqual(container.volumeMounts);
      expect(workerPod.automountServiceAccountToken).toBe(false);
      expect(workerContainer.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    });

    it('gives active jobs their whole shutdown timeout before the kill', () => {
      const delayMs = Number(workerEnv.SHUTDOWN_DELAY_MS ?? configMap.data!.SHUTDOWN_DELAY_MS);
      const timeoutMs = Number(workerEnv.SHUTDOWN_TIMEOUT_MS ?? configMap.data!.SHUTDOWN_TIMEOUT_MS);
      expect(timeoutMs).toBeGreaterThan(Number(configMap.data!.SHUTDOWN_TIMEOUT_MS));
      expect(workerPod.terminationGracePeriodSeconds).toBeGreaterThan((delayMs + timeoutMs) / 1000);
      expect(workerPod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    });

    it('takes no traffic: no Service selects it', () => {
      const service = one<Service>('Service');
      expect(selects({ matchLabels: service.spec!.selector }, workerLabels)).toBe(false);
    });

    it('autoscales on the cluster-wide mail backlog, an External metric averaged over the workers', () => {
      const hpa = one<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'worker');
      expect(hpa.spec!.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' });
      expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
      expect(hpa.spec!.metrics).toEqual([
        {
          type: 'External',
          external: {
            metric: { name: 'app_jobs_waiting', selector: { matchLabels: { queue: 'mail' } } },
            target: { type: 'AverageValue', averageValue: expect.any(String) },
          },
        },
      ]);
      expect(hpa.spec!.behavior!.scaleDown!.stabilizationWindowSeconds).toBeGreaterThanOrEqual(120);
    });

    it('keeps all but one worker through voluntary disruptions', () => {
      const pdb = one<PodDisruptionBudget>('PodDisruptionBudget', 'worker');
      expect(pdb.spec!.selector!.matchLabels).toEqual(workerLabels);
      expect(pdb.spec!.maxUnavailable).toBe(1);
    });

    it('admits only Prometheus, and reaches DNS, PostgreSQL, Redis and SMTP', () => {
      const policies = all<NetworkPolicy>('NetworkPolicy');
      expect(policies.filter((p) => selects(p.spec!.podSelector, workerLabels)).map((p) => p.metadata!.name)).toEqual([
        'worker',
      ]);
      expect(policies.filter((p) => selects(p.spec!.podSelector, podLabels)).map((p) => p.metadata!.name)).toEqual([
        'api',
      ]);
      const policy = one<NetworkPolicy>('NetworkPolicy', 'worker');
      expect(policy.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec!.ingress).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ port: 3000, protocol: 'TCP' }],
        },
      ]);
      const egressPorts = policy.spec!.egress!.flatMap((rule) => rule.ports!.map((p) => p.port));
      expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 6379, 587]));
    });
  });

  it('renders the monitoring overlay: a PodMonitor scraping the api and worker pods on the named port', () => {
    const [podMonitor] = render('k8s/monitoring') as Array<
      Manifest & { spec: { selector: LabelSelector; podMetricsEndpoints: { port: string; path: string }[] } }
    >;
    expect(podMonitor.kind).toBe('PodMonitor');
    const worker = one<Deployment>('Deployment', 'worker');
    expect(selects(podMonitor.spec.selector, podLabels)).toBe(true);
    expect(selects(podMonitor.spec.selector, worker.spec!.template.metadata!.labels!)).toBe(true);
    expect(selects(podMonitor.spec.selector, one<Job>('Job').spec!.template.metadata!.labels!)).toBe(false);
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
  });
});
