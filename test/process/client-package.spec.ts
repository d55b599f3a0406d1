import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readClientSources } from '@tools/client-sdk';

const ROOT = resolve(__dirname, '..', '..');

/** What a consumer's script prints: the requests it sent and what the client made of the answer. */
const CONSUMER = (load: string) => `${load}
const sent = [];
const client = createApiClient({
  baseUrl: 'http://api.example.test',
  accessToken: () => 'the-token',
  fetch: async (request) => {
    sent.push({ url: request.url, authorization: request.headers.get('authorization') });
    const problem = { type: '/problems/not_found', title: 'Not Found', status: 404, detail: 'No such user', instance: '/', requestId: 'r' };
    return new Response(JSON.stringify(problem), { status: 404, headers: { 'content-type': 'application/problem+json' } });
  },
});
usersGet({ client, path: { id: 'f00' } }).then(({ error }) => {
  console.log(JSON.stringify({ sent, problem: isProblem(error), code: problemCode(error) }));
});
`;

/**
 * Compiles only against the package's declarations: an untyped package (or one whose body
 * types had lost their fields) would leave an expect-error unused.
 */
const TYPED_CONSUMER = `import {
  authLogin,
  createApiClient,
  problemCode,
  usersGetMe,
  usersUpdateMe,
  type Problem,
  type UpdateMeRequest,
} from '@nest-enterprise-backend/client';

const client = createApiClient({ baseUrl: 'http://api.example.test', accessToken: () => undefined });

export async function signIn(email: string, password: string): Promise<string> {
  const login = await authLogin({ client, body: { email, password } });
  if (login.error) throw new Error(problemCode(login.error) ?? 'login failed');
  return login.data.accessToken;
}

export async function profileName(): Promise<string | Problem> {
  const { data, error } = await usersGetMe({ client });
  return error ?? data.name;
}

export const rename: UpdateMeRequest = { name: 'Ada King' };
export const move: UpdateMeRequest = { email: 'ada@example.com', currentPassword: 'correct horse battery' };
// @ts-expect-error: a password is a string
export const numeric: UpdateMeRequest = { password: 12345678 };

// @ts-expect-error: the login body needs a password
void authLogin({ client, body: { email: 'ada@example.com' } });
// @ts-expect-error: a user has no such field
export const nothing = async () => (await usersGetMe({ client })).data?.noSuchField;
// @ts-expect-error: an update has no such field
void usersUpdateMe({ client, body: { nickname: 'Ada' } });
`;

/**
 * The client package as `npm pack` makes it (what `npm publish` uploads), installed in an
 * empty project on its own (it has no dependency: the fetch client is generated into it): it
 * loads as an ES module and through require(), and a TypeScript consumer compiles against its
 * declarations under Node's own resolution.
 */
describe('The client package as published', () => {
  let scratch: string;
  let consumer: string;
  let installed: string;
  let files: string[];
  const node = (file: string) => execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' });

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'client-package-'));
    // npm pack builds the package first (its prepack script) and reports what the tarball holds.
    const packed = execFileSync(
      'npm',
      ['pack', '--workspace', 'packages/client', '--pack-destination', scratch, '--json', '--silent'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const [tarball] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    files = tarball.files.map((file) => file.path).sort();

    consumer = join(scratch, 'consumer');
    installed = join(consumer, 'node_modules', '@nest-enterprise-backend', 'client');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, tarball.filename), '-C', installed, '--strip-components=1']);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  }, 60_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds the built module, its declarations, the README and the licence, and nothing else', () => {
    const modules = [
      'index',
      ...Object.keys(readClientSources()).map((path) => `generated/${path.replace(/\.ts$/, '')}`),
    ];
    const built = modules.flatMap((module) => [`dist/${module}.d.ts`, `dist/${module}.js`]);
    expect(files).toEqual(['LICENSE', 'README.md', ...built, 'package.json'].sort());
  });

  it('depends on nothing: the fetch client is part of the generated code', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).not.toHaveProperty('dependencies');
    expect(manifest).not.toHaveProperty('peerDependencies');
  });

  it.each([
    [
      'an ES module',
      'consumer.mjs',
      "import { createApiClient, isProblem, problemCode, usersGet } from '@nest-enterprise-backend/client';",
    ],
    [
      'CommonJS',
      'consumer.cjs',
      "const { createApiClient, isProblem, problemCode, usersGet } = require('@nest-enterprise-backend/client');",
    ],
  ])('works from %s: sends the bearer token, reads the problem', (_kind, file, load) => {
    writeFileSync(join(consumer, file), CONSUMER(load));
    expect(JSON.parse(node(file))).toEqual({
      sent: [{ url: 'http://api.example.test/api/v1/users/f00', authorization: 'Bearer the-token' }],
      problem: true,
      code: 'not_found',
    });
  });

  it('type-checks a TypeScript consumer under NodeNext resolution', () => {
    writeFileSync(join(consumer, 'consumer.ts'), TYPED_CONSUMER);
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      strict: true,
      noEmit: true,
    };
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(execFileSync(process.execPath, [tsc, '-p', consumer], { encoding: 'utf8' })).toBe('');
  }, 30_000);
});
