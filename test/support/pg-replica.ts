import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

const run = promisify(execFile);

/** The newest PostgreSQL installed the Debian way (`/usr/lib/postgresql/<major>/bin`). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  if (majors.length === 0) throw new Error(`No PostgreSQL server binaries under ${root}`);
  return join(root, String(Math.max(...majors.map(Number))), 'bin');
}

/** PostgreSQL refuses to run as root; every server command runs as the `postgres` user. */
const asPostgres = (command: string, args: string[]) =>
  run('runuser', ['-u', 'postgres', '--', join(postgresBin(), command), ...args], { timeout: 60_000 });

export interface PgServer {
  port: number;
  dataDir: string;
  logFile: string;
  url(database: string): string;
  /** Everything the server has logged so far (with `log_statement=all`: every statement). */
  log(): string;
  query<T extends Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
}

export interface PgReplicaPair {
  primary: PgServer;
  replica: PgServer;
  /**
   * Kills the primary as a crash of its host would: SIGKILL to the postmaster and every
   * process of it at once, no shutdown checkpoint, no goodbye to clients or the standby.
   * Resolves once no process of it is left and its port refuses connections.
   */
  crashPrimary(): Promise<void>;
  /** Promotes the standby (`pg_ctl promote`); resolves once it takes writes. */
  promote(): Promise<void>;
  /** Stops both servers and deletes their data directories; safe to call after a failed start. */
  destroy(): Promise<void>;
}

export interface PgReplicaOptions {
  /**
   * Synchronous replication (`synchronous_standby_names = '*'` on the primary): a commit
   * is acknowledged only once the standby has flushed its WAL, so a write the primary
   * acknowledged survives the primary's loss. Set once the standby streams, so creating
   * the databases does not wait for a standby that does not exist yet.
   */
  synchronous?: boolean;
}

/**
 * A throw-away primary and a streaming hot standby of it, on free loopback ports, in one
 * temporary directory owned by `postgres`. The primary is a fresh `initdb` rather than the
 * machine's own server: that one allows no replication connections (no `replication`
 * line in its pg_hba.conf), and a test must not change a machine's configuration. The
 * standby is what production runs: `pg_basebackup -R` of the primary, started read-only.
 * Both log every statement, so a test can tell which server ran what.
 *
 * `databases` are created on the primary before the base backup, so the standby starts
 * with them.
 */
export async function startPgReplicaPair(databases: string[], options: PgReplicaOptions = {}): Promise<PgReplicaPair> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-replica-'));
  chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const started: PgServer[] = [];
  const destroy = async () => {
    for (const server of started.reverse()) {
      await asPostgres('pg_ctl', ['-D', server.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    const primary = server(dir, 'primary', primaryPort);
    await asPostgres('initdb', ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await startServer(primary, dir);
    started.push(primary);
    for (const name of databases) await primary.query('postgres', `CREATE DATABASE ${name}`);

    const replica = server(dir, 'replica', replicaPort);
    await asPostgres('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', replica.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
    ]);
    await startServer(replica, dir, ['-c', 'hot_standby=on']);
    started.push(replica);

    await waitFor(async () => (await replica.query('postgres', 'SELECT pg_is_in_recovery() AS r'))[0].r === true, {
      what: 'the replica to run as a standby',
    });
    await waitFor(
      async () =>
        (await primary.query('postgres', "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'")).length > 0,
      { what: 'the replica to stream from the primary' },
    );
    if (options.synchronous) {
      await primary.query('postgres', "ALTER SYSTEM SET synchronous_standby_names = '*'");
      await primary.query('postgres', 'SELECT pg_reload_conf()');
      await waitFor(
        async () =>
          (await primary.query('postgres', "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'")).length > 0,
        { what: 'the replica to replicate synchronously' },
      );
    }
    return {
      primary,
      replica,
      crashPrimary: async () => {
        // Its stale postmaster.pid must not lead destroy() to signal whatever reuses the pid.
        started.splice(started.indexOf(primary), 1);
        await crash(primary);
      },
      promote: async () => {
        await asPostgres('pg_ctl', ['-D', replica.dataDir, '-w', '-t', '60', 'promote']);
        await waitFor(async () => (await replica.query('postgres', 'SELECT pg_is_in_recovery() AS r'))[0].r === false, {
          what: 'the promoted replica to leave recovery',
        });
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

function server(dir: string, name: string, port: number): PgServer {
  const dataDir = join(dir, name);
  const logFile = join(dir, `${name}.log`);
  return {
    port,
    dataDir,
    logFile,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    query: async <T extends Record<string, unknown>>(database: string, sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${database}` });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Starts a server on loopback only, its socket in the test's directory (not the machine's
 * /var/run/postgresql), logging every statement with the client's application name.
 */
async function startServer(s: PgServer, dir: string, extra: string[] = []): Promise<void> {
  const options = [
    ...['-p', String(s.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`],
    ...['-c', 'fsync=off', '-c', 'log_statement=all', '-c', "log_line_prefix='[%a] '"],
    ...extra,
  ].join(' ');
  await asPostgres('pg_ctl', ['-D', s.dataDir, '-o', options, '-l', s.logFile, '-w', '-t', '60', 'start']);
}

/**
 * SIGKILL to the postmaster (the first line of postmaster.pid) and to its children,
 * collected before the kill, as they are reparented once the postmaster is gone.
 */
async function crash(s: PgServer): Promise<void> {
  const postmaster = Number(readFileSync(join(s.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // a child that exited between the listing and the kill
    }
  }
  await waitFor(() => pids.every((pid) => !isRunning(pid)), {
    what: `the processes of the server on ${s.port} to die`,
  });
  await waitFor(() => refuses(s.port), { what: `port ${s.port} to refuse connections` });
}

function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // The fields after the command name, which is in parentheses and may contain spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false; // exited while being listed
      }
    })
    .map(Number);
}

/** A zombie (state Z, not yet reaped by its new parent) has stopped running as well. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function refuses(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });
}

function uidOf(user: string): number {
  return Number(passwdEntry(user)[2]);
}

function gidOf(user: string): number {
  return Number(passwdEntry(user)[3]);
}

function passwdEntry(user: string): string[] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`No ${user} user on this machine`);
  return line.split(':');
}
