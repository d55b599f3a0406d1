import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

/** Runs a linter on openapi.json with the repo's config; returns what it printed on stdout, whatever its exit code. */
function lint(command: string, args: string[]): string {
  try {
    return execFileSync(bin(command), args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? String(error);
  }
}

/**
 * What third-party tools say of the committed document (kept equal to the served one by
 * test/e2e/openapi-document.e2e-spec.ts). Exceptions live, justified, in redocly.yaml and
 * .spectral.yaml; anything else is a finding.
 */
describe('openapi.json under third-party linters', () => {
  it('passes redocly lint (recommended rules) with no error and no warning', () => {
    const report = JSON.parse(lint('redocly', ['lint', 'openapi.json', '--format=json'])) as {
      problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
    };
    expect(report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  });

  it("passes Spectral's OpenAPI and OWASP API Security rulesets with no finding", () => {
    const findings = JSON.parse(lint('spectral', ['lint', 'openapi.json', '--format=json', '--quiet'])) as Array<{
      code: string;
      path: string[];
      message: string;
    }>;
    expect(findings.map((f) => `${f.code} ${f.path.join('.')}: ${f.message}`)).toEqual([]);
  });
});
