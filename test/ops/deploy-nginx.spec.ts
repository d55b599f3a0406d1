import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderComposeNginxConfig, testNginxConfig } from '@tools/nginx';

/** The compose load balancer's config, accepted by a real nginx; its runtime behaviour is in test/cluster/nginx-lb. */

const source = readFileSync(resolve(__dirname, '..', '..', 'docker', 'nginx', 'nginx.conf'), 'utf8');

describe('docker/nginx/nginx.conf', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nginx-t-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes nginx -t with the app resolved through DNS at request time', () => {
    const file = renderComposeNginxConfig({ dir, port: 18080 });
    expect(testNginxConfig(dir, file)).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('set $app_upstream http://app:3000;');
  });

  it('passes nginx -t with the replicas stubbed by a loopback upstream group', () => {
    const file = renderComposeNginxConfig({ dir, port: 18080, upstreams: ['127.0.0.1:1', '127.0.0.1:2'] });
    expect(testNginxConfig(dir, file)).toBe('');
  });

  it("resolves the replicas through Docker's DNS with a short TTL, per request", () => {
    expect(source).toMatch(/^\s*resolver 127\.0\.0\.11 valid=\d+s/m);
    expect(source).toMatch(/proxy_pass \$app_upstream;/);
  });

  it('forwards the client address and retries only what is safe on another replica', () => {
    expect(source).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    expect(source).toMatch(/proxy_next_upstream error timeout http_502 http_503 http_504;/);
    // Writes are re-sent only from the location a write with an Idempotency-Key is handed to.
    const retried = [...source.matchAll(/proxy_next_upstream [^;]*non_idempotent;/g)];
    expect(retried).toHaveLength(1);
    const keyed = source.slice(source.indexOf('location @keyed_write {'));
    expect(keyed.slice(0, keyed.indexOf('}'))).toContain(retried[0][0]);
    expect(source).toMatch(/map "\$idempotent_write:\$http_idempotency_key" \$keyed_write/);
  });

  it('re-sends keyed writes to exactly the routes that deduplicate them, in every spelling express routes', () => {
    const block = /map "\$request_method \$uri" \$idempotent_write \{([^}]*)\}/.exec(source)?.[1] ?? '';
    const patterns = [...block.matchAll(/^\s*"~\*(.+)" 1;$/gm)].map(([, regex]) => new RegExp(regex, 'i'));
    expect(patterns.length).toBeGreaterThan(0);
    const idempotent = (request: string) => patterns.some((pattern) => pattern.test(request));

    const document = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        request: `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '8e03978e-40d5-43e8-bc93-6894a57f9324')}`,
        keyed: (operation.parameters ?? []).some((parameter) => parameter.name === 'Idempotency-Key'),
      })),
    );
    expect(operations.filter((o) => o.keyed).length).toBeGreaterThan(0);
    expect(operations.map(({ request }) => ({ request, keyed: idempotent(request) }))).toEqual(operations);

    for (const { request } of operations.filter((o) => o.keyed)) {
      const [method, path] = request.split(' ');
      expect([`${method} ${path}/`, `${method} ${path.toUpperCase()}`].filter(idempotent)).toHaveLength(2);
      expect(idempotent(`${method} ${path}x`)).toBe(false);
    }
  });

  it('has no directives that need root or fixed paths outside the container', () => {
    expect(source).not.toMatch(/^\s*(user|pid)\s/m);
  });
});
