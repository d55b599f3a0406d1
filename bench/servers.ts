import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

export const ROOT = resolve(__dirname, '..');
/** `node` arguments that run a bench TypeScript file as it is. */
export const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS = 100;

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  /** Where its stdout and stderr go. */
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartServerOptions {
  name: string;
  /** Arguments after `node`. */
  args: string[];
  env: Record<string, string>;
  logFile: string;
  /** A path that answers 2xx once the server can take load. */
  readyPath: string;
  readyHeaders?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Starts a server as a plain `node` child, so its pid is the process doing the work and
 * its CPU time can be read from /proc. Output goes to a file, as it would in production.
 */
export async function startServer(options: StartServerOptions): Promise<Server> {
  const port = await freePort();
  const log = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, options.args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await Promise.race([
    waitFor(async () => (await fetch(`${url}${options.readyPath}`, { headers: options.readyHeaders })).ok, {
      timeoutMs: options.timeoutMs ?? 60_000,
      what: `${options.name} at ${url}${options.readyPath}`,
    }),
    exited.then(([code]) => {
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`${options.name} exited with ${String(code)} before it was ready:\n${tail}`);
    }),
  ]);
  return {
    name: options.name,
    url,
    child,
    logFile: options.logFile,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.kill(signal);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** User + system CPU time the process has used so far, in microseconds (all its threads, libuv pool included). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}
