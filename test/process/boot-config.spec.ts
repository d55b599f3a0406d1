import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
// Each case starts a fresh Node process through ts-node; on a busy machine that can take several seconds.
jest.setTimeout(90_000);

const GOOD_SECRET = 'Qm8vT2xK9pLr4Zc7Wn1Yb6Hd3Fg5Js0A';

interface Exit {
  code: number | null;
  stderr: string;
}

const ENTRY = [
  '-r',
  require.resolve('ts-node/register/transpile-only'),
  '-r',
  require.resolve('tsconfig-paths/register'),
  resolve(ROOT, 'src/main.ts'),
];

/** Starts the real entry point (src/main.ts through ts-node) with only the given environment. */
function boot(env: Record<string, string>, cwd = ROOT): Promise<Exit> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ENTRY, {
      cwd,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // A configuration that wrongly passes validation would start serving: stop it so the test fails, not hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(guard);
      done({ code, stderr });
    });
  });
}

describe('boot with an invalid configuration', () => {
  it.each([
    ['PORT', { PORT: 'http' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['DATABASE_URL', { DATABASE_URL: 'ftp://db.example.com/app' }],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
    ['JWT_ACCESS_SECRET', { NODE_ENV: 'production', JWT_REFRESH_SECRET: `${GOOD_SECRET}r` }],
    ['JWT_REFRESH_SECRET', { NODE_ENV: 'production', JWT_ACCESS_SECRET: GOOD_SECRET, JWT_REFRESH_SECRET: 'too-short' }],
    ['THROTTLE_LIMIT', { THROTTLE_LIMIT: '-5' }],
    ['JWT_ACCESS_TTL', { JWT_ACCESS_TTL: 'a while' }],
    ['JWT_SESSION_MAX_AGE', { JWT_SESSION_MAX_AGE: '10m', JWT_ACCESS_TTL: '15m' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ])('exits non-zero naming %s', async (variable, env) => {
    const { code, stderr } = await boot(env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration:/);
    expect(stderr).toContain(`  - ${variable}:`);
    expect(stderr).not.toMatch(/\n\s+at /); // one clear message, no stack trace
  });

  it('refuses a common ADMIN_PASSWORD in production, saying why', async () => {
    const { code, stderr } = await boot({
      NODE_ENV: 'production',
      JWT_ACCESS_SECRET: GOOD_SECRET,
      JWT_REFRESH_SECRET: `${GOOD_SECRET}r`,
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'password',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration:/);
    expect(stderr).toContain('  - ADMIN_PASSWORD: is too common');
    expect(stderr).not.toContain('password\n'); // the value itself is never echoed
  });

  it('names every bad variable in one message', async () => {
    const { code, stderr } = await boot({ PORT: '99999', DATABASE_POOL_SIZE: 'many', TRUST_PROXY: 'maybe' });
    expect(code).toBe(1);
    for (const variable of ['PORT', 'DATABASE_POOL_SIZE', 'TRUST_PROXY']) expect(stderr).toContain(`  - ${variable}:`);
  });
});

describe('.env file', () => {
  it('is read from the working directory, and real environment variables win over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    writeFileSync(join(dir, '.env'), 'PORT=from-dotenv\nLOG_LEVEL=from-dotenv\n');
    try {
      const { code, stderr } = await boot({ LOG_LEVEL: 'warn' }, dir);
      expect(code).toBe(1);
      expect(stderr).toContain('  - PORT:'); // read from .env
      expect(stderr).not.toContain('LOG_LEVEL'); // the real environment's valid value won
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
