import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { provisionDatabase, TestDatabase } from '@test/support/database';

/**
 * The runtime stage of docker/Dockerfile reproduced without Docker: build output and
 * package files in an empty folder, `npm ci --workspaces=false --omit=dev --ignore-scripts` with
 * better-sqlite3's compiled addon copied in, production settings. If anything at run time
 * needed a dev dependency, boot or migration would fail here.
 */

const ROOT = resolve(__dirname, '..', '..');
const SQLITE_ADDON = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('runtime image contents, outside Docker', () => {
  let scratch: string;
  let database: TestDatabase;
  let env: Record<string, string>;
  const savedTestDb = process.env.TEST_DB;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'image-runtime-'));
    for (const path of ['dist', 'package.json', 'package-lock.json']) {
      cpSync(join(ROOT, path), join(scratch, path), { recursive: true });
    }
    const install = await run(
      'npm',
      ['ci', '--workspaces=false', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
      scratch,
      {
        npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? tmpdir(), '.npm'),
        // Where the machine trusts a TLS-inspecting proxy's CA this way, npm must too.
        ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      },
    );
    if (install.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${install.output}`);
    // As the prod-deps stage does: the addon the full install compiled, for the Node that runs
    // the suite, instead of compiling SQLite a second time.
    cpSync(join(ROOT, SQLITE_ADDON), join(scratch, SQLITE_ADDON));

    process.env.TEST_DB = 'external';
    database = await provisionDatabase();
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `image-runtime:${randomBytes(4).toString('hex')}:`,
      JWT_ACCESS_SECRET: randomBytes(36).toString('base64url'),
      JWT_REFRESH_SECRET: randomBytes(36).toString('base64url'),
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'info',
    };
  }, 300_000);

  afterAll(async () => {
    await database?.drop();
    process.env.TEST_DB = savedTestDb;
    rmSync(scratch, { recursive: true, force: true });
  });

  it('installs no package that only the development tree needs', () => {
    // Some devDependencies (typescript, @types/node) are also pulled in by production packages;
    // the lock file marks what is reachable from devDependencies alone as `dev`.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, meta]) => path.startsWith('node_modules/') && meta.dev === true)
      .map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/@nestjs/cli', 'node_modules/jest']));
    expect(devOnly.filter((path) => existsSync(join(scratch, path)))).toEqual([]);
    expect(existsSync(join(scratch, 'node_modules', '@nestjs', 'core'))).toBe(true);
    // The workspaces (the API client package) stay out.
    expect(existsSync(join(scratch, 'node_modules', '@nest-enterprise-backend'))).toBe(false);
  });

  it('migrates through the production entry point, then finds nothing left to do', async () => {
    const entry = join('dist', 'infra', 'database', 'migrate.main.js');
    const first = await run(process.execPath, [entry], scratch, env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/Applied \d+ migration\(s\)|Schema is up to date/);

    const second = await run(process.execPath, [entry], scratch, env);
    expect(second).toMatchObject({ code: 0 });
    expect(second.output).toContain('Schema is up to date');
  });

  it('refuses to migrate with invalid configuration, naming the variable', async () => {
    const result = await run(process.execPath, ['dist/infra/database/migrate.main.js'], scratch, {
      ...env,
      JWT_ACCESS_SECRET: 'too-short',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('Invalid configuration');
    expect(result.output).toContain('JWT_ACCESS_SECRET');
  });

  it('boots in production mode, becomes ready, and registers with Consul then leaves it on SIGTERM', async () => {
    const calls: string[] = [];
    const agent: Server = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    agent.listen(0, '127.0.0.1');
    await once(agent, 'listening');
    const consul = `127.0.0.1:${(agent.address() as { port: number }).port}`;

    const app = await startApp({
      cwd: scratch,
      entry: join(scratch, 'dist', 'main.js'),
      env: { ...env, CONSUL_HTTP_ADDR: consul, CONSUL_SERVICE_ADDRESS: '127.0.0.1' },
    });
    try {
      await app.waitUntilReady(90_000);
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
      await waitFor(() => calls.includes('PUT /v1/agent/service/register'), {
        timeoutMs: 10_000,
        what: 'registration with the agent',
      });
    } finally {
      await app.stop();
      agent.close();
    }
    expect(calls).toEqual([
      'PUT /v1/agent/service/register',
      expect.stringMatching(/^PUT \/v1\/agent\/service\/deregister\/nest-enterprise-backend-.+-\d+$/),
    ]);
  });
});
