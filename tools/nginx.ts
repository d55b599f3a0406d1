import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for';

const COMPOSE_CONFIG = resolve(__dirname, '..', 'docker', 'nginx', 'nginx.conf');

export interface NginxRenderOptions {
  /** Scratch directory: the rendered config, temp files and pid live here. */
  dir: string;
  port: number;
  /** `host:port` of the replicas, standing in for the name `app` that Docker's DNS would resolve. */
  upstreams?: string[];
}

function replaceOnce(text: string, pattern: string | RegExp, replacement: string): string {
  const next = text.replace(pattern, replacement);
  if (next === text) throw new Error(`docker/nginx/nginx.conf no longer contains ${String(pattern)}`);
  return next;
}

/**
 * The compose nginx config with only what cannot exist outside Docker swapped out: the
 * port, Docker's DNS server, and (for runs) the `app` name, replaced by an upstream group
 * of loopback replicas that nginx balances and fails over exactly as it does over the
 * addresses the name resolves to. Temp paths move into `dir` so nginx runs unprivileged.
 */
export function renderComposeNginxConfig({ dir, port, upstreams }: NginxRenderOptions): string {
  let conf = readFileSync(COMPOSE_CONFIG, 'utf8');
  conf = replaceOnce(conf, /listen 80;/, `listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, /resolver 127\.0\.0\.11 /, 'resolver 127.0.0.1 ');
  // /dev/stdout cannot be opened when stdout is a socket, as it is under a test runner.
  conf = replaceOnce(conf, 'access_log /dev/stdout upstream;', `access_log ${join(dir, 'access.log')} upstream;`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, `${kind}_temp`)};`)
    .join('\n');
  let stub = '';
  if (upstreams) {
    stub = `  upstream app_replicas {\n${upstreams.map((u) => `    server ${u};`).join('\n')}\n  }\n`;
    conf = replaceOnce(conf, 'set $app_upstream http://app:3000;', 'set $app_upstream http://app_replicas;');
  }
  conf = replaceOnce(conf, /^http \{$/m, `http {\n${temp}\n${stub}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return file;
}

const pidDirective = (dir: string) => `pid ${join(dir, 'nginx.pid')};`;

/** `nginx -t` on a rendered config, as the current user; throws with nginx's output on failure. */
export function testNginxConfig(dir: string, file: string): string {
  return execFileSync('nginx', ['-t', '-e', 'stderr', '-p', dir, '-c', file, '-g', pidDirective(dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface NginxProcess {
  readonly child: ChildProcess;
  /** Error log lines so far. */
  readonly output: string[];
  /** Access log lines so far (format `upstream` of the config). */
  accessLog(): string[];
  stop(): Promise<void>;
}

/** Runs nginx in the foreground on a rendered config and waits until it answers on `port`. */
export async function startNginx(dir: string, file: string, port: number): Promise<NginxProcess> {
  const child = spawn('nginx', ['-e', 'stderr', '-p', dir, '-c', file, '-g', `daemon off; ${pidDirective(dir)}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await Promise.race([
    waitFor(async () => (await fetch(`http://127.0.0.1:${port}/nginx-health`)).ok, {
      timeoutMs: 10_000,
      what: `nginx on :${port}`,
    }),
    exited.then(() => {
      throw new Error(`nginx exited:\n${output.join('\n')}`);
    }),
  ]);
  return {
    child,
    output,
    accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
