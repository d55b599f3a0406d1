import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * docker/Dockerfile and .dockerignore read as text: no Docker engine is needed to hold them to their promises.
 * scripts/image-check.sh builds the image and runs it for real.
 */

const ROOT = resolve(__dirname, '..', '..');
const dockerfile = readFileSync(resolve(ROOT, 'docker/Dockerfile'), 'utf8');
const dockerignore = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n');
const packageJson = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
  workspaces: string[];
};

/** Instructions per stage, continuation lines joined. */
function stages(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] = [];
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = [line];
      result.set(from[2] ?? from[1], current);
    } else {
      current.push(line);
    }
  }
  return result;
}

describe('docker/Dockerfile', () => {
  const all = stages();
  const runtime = all.get('runtime') ?? [];
  const instructions = [...all.values()].flat();

  it('builds in stages and ends with the runtime stage', () => {
    expect([...all.keys()]).toEqual(['base', 'toolchain', 'deps', 'build', 'prod-deps', 'runtime']);
  });

  it('needs no frontend image: no `# syntax=` line, the frontend built into BuildKit reads it', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('builds on the Node 24 slim image and runs on the same Debian release with only its node binary', () => {
    const version = /^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1];
    expect(version).toBe('24');
    expect(Number(version)).toBeGreaterThanOrEqual(Number(/\d+/.exec(packageJson.engines.node)![0]));
    expect(all.get('base')![0]).toBe('FROM node:${NODE_VERSION}-bookworm-slim AS base');
    expect(runtime[0]).toBe('FROM debian:bookworm-slim AS runtime');
    expect(runtime.filter((line) => line.includes('--from=base'))).toEqual([
      'COPY --from=base /usr/local/bin/node /usr/local/bin/node',
    ]);
  });

  it("compiles better-sqlite3 once, against the base image's headers, and runs install scripts only where allowed", () => {
    const toolchain = all.get('toolchain')!.join('\n');
    expect(toolchain).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(toolchain).toMatch(/npm_config_nodedir=\/usr\/local/);
    const installs = [...instructions.join('\n').matchAll(/npm ci[^&\n]*/g)].map((m) => m[0].trim());
    expect(installs).toEqual([
      'npm ci --workspaces=false --ignore-scripts',
      'npm ci --workspaces=false --omit=dev --ignore-scripts',
    ]);
    const rebuilt = [...instructions.join('\n').matchAll(/npm rebuild ([^&\n]+)/g)].flatMap((m) =>
      m[1].trim().split(/\s+/),
    );
    const allowed = Object.entries(packageJson.allowScripts)
      .filter(([, run]) => run)
      .map(([name]) => name);
    expect(rebuilt.sort()).toEqual(allowed.sort());
    expect(all.get('prod-deps')!.filter((line) => line.includes('--from='))).toEqual([
      'COPY --from=deps /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node ./node_modules/better-sqlite3/build/Release/',
    ]);
  });

  it('takes a CA for npm only as an optional build secret, never as a file or setting of an image', () => {
    const npmSteps = instructions.filter((line) => line.includes('npm ci'));
    expect(npmSteps).toHaveLength(2);
    for (const step of npmSteps) {
      expect(step).toMatch(/^RUN --mount=type=cache,target=\/root\/\.npm --mount=type=secret,id=npm-ca /);
      expect(step).toContain('if [ -f /run/secrets/npm-ca ]; then export npm_config_cafile=/run/secrets/npm-ca; fi');
      expect(step).not.toContain('required=true');
    }
    const settings = instructions.filter((line) => /^(ENV|ARG|COPY|ADD)\b/.test(line));
    expect(settings.filter((line) => /cafile|ca-certificates|\.crt\b|\.pem\b/i.test(line))).toEqual([]);
  });

  it('ships production dependencies only, without the build toolchain', () => {
    expect(all.get('prod-deps')![0]).toBe('FROM base AS prod-deps');
    expect(all.get('prod-deps')!.join('\n')).toMatch(/npm ci --workspaces=false --omit=dev/);
    expect(runtime).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime.join('\n')).not.toMatch(/--from=deps|g\+\+|python3|npm (ci|install)/);
  });

  it('installs without the npm workspaces (the client package), which the build context leaves out', () => {
    expect(packageJson.workspaces.length).toBeGreaterThan(0);
    for (const workspace of packageJson.workspaces) {
      expect(dockerignore).toContain(workspace.split('/')[0]);
    }
    const npmSteps = instructions.filter((line) => /npm (ci|install)\b/.test(line));
    for (const step of npmSteps) expect(step).toContain('--workspaces=false');
  });

  it('runs as a numeric non-root user under tini, in production mode', () => {
    expect(runtime).toContain('USER 1000:1000');
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime).toContain('CMD ["node", "dist/main.js"]');
    expect(runtime.join('\n')).toMatch(/ENV NODE_ENV=production/);
  });

  it('checks its own health on /health/live', () => {
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK'));
    expect(healthcheck).toMatch(/\/health\/live/);
  });

  it('carries the OCI image labels, after the last RUN, so that a new version or commit reuses every layer', () => {
    const labels = runtime.filter((line) => line.startsWith('LABEL')).join(' ');
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    const lastRun = runtime.map((line) => line.startsWith('RUN')).lastIndexOf(true);
    expect(runtime.findIndex((line) => line.startsWith('ARG'))).toBeGreaterThan(lastRun);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, secrets and the git history out of the build context', () => {
    expect(dockerignore).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git', '.env', '*.pem', 'test']));
  });

  it('keeps everything the build stages copy', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \.\/\S*$/gm)].flatMap((m) => m[1].split(' '));
    expect(copied.sort()).toEqual(
      [
        'nest-cli.json',
        'package-lock.json',
        'package-lock.json',
        'package.json',
        'package.json',
        'package.json',
        'src',
        'tsconfig.build.json',
        'tsconfig.json',
      ].sort(),
    );
    for (const path of copied) expect(dockerignore).not.toContain(path);
  });
});
