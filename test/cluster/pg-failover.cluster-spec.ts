import { randomUUID } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { Cluster, startCluster } from '@tools/cluster';
import type { AppProcess } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { PgReplicaPair, startPgReplicaPair } from '@test/support/pg-replica';
import { startTcpProxy, TcpProxy } from '@test/support/tcp-proxy';

/**
 * A PostgreSQL failover under running service processes, as an operator performs it: the
 * primary's host dies; the standby is promoted; the address the service knows (here a
 * TCP proxy, in production a virtual IP or DNS name) is repointed at it. Replication is
 * synchronous, so every write the service acknowledged must be on the new primary, and
 * the service must come back by itself, without a restart. Throughout, it answers a
 * prompt 503 rather than hang or fail with a 500, and readiness says what it can do.
 *
 * The address is repointed before the promotion, as happens when a VIP moves as soon as
 * the old primary stops answering: the service then faces a standby that answers every
 * query and refuses every write, and must say so (not ready, 503 for writes).
 */

/** Every answer during the failover comes back within this (the pool gives up connecting after 2 s). */
const BOUND_MS = 3_000;
/** A client backing off between requests: keeps the writers from spinning on fast 503s. */
const PACE_MS = 50;

interface Answer {
  at: number;
  ms: number;
  status: number;
  type?: string;
  detail?: string;
  retryAfter: string | null;
  error?: string;
}

async function send(url: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<Answer> {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  try {
    const res = await fetch(url, {
      ...init,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(BOUND_MS * 3),
    });
    const text = await res.text();
    const body = (text.startsWith('{') ? JSON.parse(text) : {}) as { type?: string; detail?: string };
    return {
      at: started,
      ms: Date.now() - started,
      status: res.status,
      type: body.type,
      detail: body.detail,
      retryAfter: res.headers.get('retry-after'),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { at: started, ms: Date.now() - started, status: 0, retryAfter: null, error: message };
  }
}

/**
 * One signed-in client of one node writing as fast as it is answered: it renames itself
 * (`PATCH /users/me`, names numbered in order) and registers new users, alternately,
 * recording every answer and every write the service acknowledged.
 */
class Writer {
  readonly answers: Answer[] = [];
  readonly registered: string[] = [];
  /** Sequence numbers of the renames sent, and of those acknowledged (200). */
  lastSent = 0;
  lastAcknowledged = 0;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    readonly node: AppProcess,
    readonly email: string,
    private readonly token: string,
  ) {}

  static async signUp(node: AppProcess): Promise<Writer> {
    const email = `failover-${randomUUID()}@example.com`;
    const password = `pw-${randomUUID()}`;
    const url = `${node.url}/api/v1/auth`;
    expect((await send(`${url}/register`, { method: 'POST', json: { email, password, name: 'n-0' } })).status).toBe(
      201,
    );
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const { accessToken } = (await res.json()) as { accessToken: string };
    return new Writer(node, email, accessToken);
  }

  start(): void {
    this.loop = (async () => {
      for (let round = 0; !this.stopped; round++) {
        const answer = round % 2 === 0 ? await this.rename() : await this.register();
        this.answers.push(answer);
        await pause(PACE_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Answers that started at or after `from` (and, when given, ended before `to`). */
  since(from: number, to = Infinity): Answer[] {
    return this.answers.filter((a) => a.at >= from && a.at + a.ms <= to);
  }

  private async rename(): Promise<Answer> {
    const seq = ++this.lastSent;
    const answer = await send(`${this.node.url}/api/v1/users/me`, {
      method: 'PATCH',
      token: this.token,
      json: { name: `n-${seq}` },
    });
    if (answer.status === 200) this.lastAcknowledged = seq;
    return answer;
  }

  private async register(): Promise<Answer> {
    const email = `failover-reg-${randomUUID()}@example.com`;
    const answer = await send(`${this.node.url}/api/v1/auth/register`, {
      method: 'POST',
      json: { email, password: `pw-${randomUUID()}`, name: 'registered' },
    });
    if (answer.status === 201) this.registered.push(email);
    return answer;
  }
}

interface Probe {
  node: number;
  at: number;
  end: number;
  status: number;
  down: string[];
  up: string[];
}

describe('PostgreSQL failover: crash the primary, promote the standby, repoint the address', () => {
  let pair: PgReplicaPair | undefined;
  let proxy: TcpProxy | undefined;
  let cluster: Cluster | undefined;
  const probes: Probe[] = [];
  let probing = true;
  let prober: Promise<void> | undefined;

  beforeAll(async () => {
    pair = await startPgReplicaPair(['app'], { synchronous: true });
    proxy = await startTcpProxy({ port: pair.primary.port });
    cluster = await startCluster({
      size: 2,
      databaseUrl: `postgres://postgres@${proxy.address}/app`,
      env: { LOG_LEVEL: 'warn', THROTTLE_LIMIT: '1000000', THROTTLE_REGISTER_LIMIT: '1000000' },
    });
    const nodes = cluster.nodes;
    prober = (async () => {
      while (probing) {
        await Promise.all(
          nodes.map(async (node, index) => {
            const at = Date.now();
            try {
              const res = await fetch(`${node.url}/health/ready`, { signal: AbortSignal.timeout(BOUND_MS * 3) });
              const body = (await res.json()) as { info?: object; error?: object };
              probes.push({
                node: index,
                at,
                end: Date.now(),
                status: res.status,
                down: Object.keys(body.error ?? {}),
                up: Object.keys(body.info ?? {}),
              });
            } catch {
              probes.push({ node: index, at, end: Date.now(), status: 0, down: [], up: [] });
            }
          }),
        );
        await pause(PACE_MS);
      }
    })();
  }, 120_000);

  afterAll(async () => {
    probing = false;
    await prober;
    await cluster?.stop();
    await proxy?.close();
    await pair?.destroy();
  });

  it('answers 503 while the database is gone or read-only, recovers without a restart, and loses no acknowledged write', async () => {
    const { replica } = pair!;
    const nodes = cluster!.nodes;
    const pids = nodes.map((node) => node.child.pid);
    const writers = await Promise.all(nodes.map((node) => Writer.signUp(node)));
    for (const writer of writers) writer.start();
    const probesOf = (node: number, from: number, to = Infinity) =>
      probes.filter((p) => p.node === node && p.at >= from && p.end <= to);
    const acknowledged = (writer: Writer, from: number) =>
      writer.since(from).some((a) => a.status === 200 || a.status === 201);
    const refused = (writer: Writer, from: number) => writer.since(from).some((a) => a.status === 503);

    // Steady state: writes go through on both nodes.
    const start = Date.now();
    await waitFor(() => writers.every((w) => acknowledged(w, start)), { what: 'writes before the crash' });

    const crashAt = Date.now();
    await pair!.crashPrimary();
    const crashed = Date.now();
    await waitFor(() => writers.every((w) => refused(w, crashed)), { what: 'writes refused after the crash' });
    await waitFor(() => nodes.every((_, i) => probesOf(i, crashed).some((p) => p.status === 503)), {
      what: 'both nodes not ready after the crash',
    });

    // The address moves to the standby before it is promoted.
    const repointAt = Date.now();
    proxy!.retarget(replica.port);
    proxy!.dropConnections();
    await waitFor(
      () =>
        writers.every((w) =>
          w.since(repointAt).some((a) => a.detail === 'The database accepts no writes right now; try again shortly.'),
        ),
      { what: 'writes refused by the standby' },
    );
    await waitFor(
      () =>
        nodes.every((_, i) =>
          probesOf(i, repointAt).some((p) => p.up.includes('database') && p.down.includes('database_writable')),
        ),
      { what: 'both nodes reporting the standby as not writable' },
    );

    const promoteAt = Date.now();
    await pair!.promote();
    const promoted = Date.now();
    await waitFor(() => nodes.every((_, i) => probesOf(i, promoted).some((p) => p.status === 200)), {
      what: 'both nodes ready on the new primary',
    });
    const readyAt = Date.now();
    await waitFor(() => writers.every((w) => acknowledged(w, promoted)), { what: 'writes on the new primary' });
    const writingAt = Date.now();
    // A few more rounds on the new primary, then the clients stop.
    await waitFor(() => writers.every((w) => w.since(writingAt).filter((a) => a.status === 200).length >= 2), {
      what: 'writes to continue on the new primary',
    });
    await Promise.all(writers.map((w) => w.stop()));

    // Never a 500, a hang or a dropped answer: a prompt 503 database_unavailable with Retry-After.
    const everyAnswer = writers.flatMap((w) => w.answers);
    const failures = everyAnswer.filter((a) => a.status !== 200 && a.status !== 201);
    expect(failures.filter((a) => a.status !== 503)).toEqual([]);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        type: '/problems/database_unavailable',
        retryAfter: expect.stringMatching(/^\d+$/),
      });
    }
    expect(Math.max(...everyAnswer.map((a) => a.ms))).toBeLessThan(BOUND_MS);
    // While the primary is gone and the standby not yet promoted, nothing is acknowledged.
    for (const writer of writers) {
      expect(writer.since(crashed, promoteAt).filter((a) => a.status !== 503)).toEqual([]);
    }

    // Readiness told the truth: not ready while the database was gone, nor while it refused writes.
    for (const [i] of nodes.entries()) {
      expect(probesOf(i, start, crashAt).every((p) => p.status === 200)).toBe(true);
      const gone = probesOf(i, crashed, repointAt);
      expect(gone.length).toBeGreaterThan(0);
      for (const p of gone) expect(p).toMatchObject({ status: 503, down: ['database'] });
      const standby = probesOf(i, repointAt, promoteAt);
      expect(standby.length).toBeGreaterThan(0);
      for (const p of standby) expect(p).toMatchObject({ status: 503, down: ['database_writable'] });
      const firstReady = probesOf(i, promoted).find((p) => p.status === 200)!;
      expect(probesOf(i, firstReady.end).every((p) => p.status === 200)).toBe(true);
    }

    // Every acknowledged write is on the new primary (an unacknowledged one may be too).
    for (const writer of writers) {
      const [row] = await replica.query<{ name: string }>('app', 'SELECT name FROM users WHERE email = $1', [
        writer.email,
      ]);
      const seq = Number(row.name.replace('n-', ''));
      expect(seq).toBeGreaterThanOrEqual(writer.lastAcknowledged);
      expect(seq).toBeLessThanOrEqual(writer.lastSent);
      expect(writer.registered.length).toBeGreaterThan(0);
      const found = await replica.query<{ email: string }>('app', 'SELECT email FROM users WHERE email = ANY($1)', [
        writer.registered,
      ]);
      expect(found.map((r) => r.email).sort()).toEqual([...writer.registered].sort());
    }

    // The same processes served throughout; the read-only refusals were warnings, not errors.
    expect(nodes.map((node) => node.child.pid)).toEqual(pids);
    expect(nodes.every((node) => node.child.exitCode === null)).toBe(true);
    for (const node of nodes) {
      await node.waitForOutput(/"level":40.*refused a write as read-only/, 10_000);
      expect(node.output.filter((line) => /"level":50.*read-only transaction/.test(line))).toEqual([]);
    }

    process.stdout.write(
      `failover timings: crash→first 503 ${firstAfter(writers, crashAt, 503) - crashAt} ms, ` +
        `promote ${promoted - promoteAt} ms, promoted→ready ${readyAt - promoted} ms, ` +
        `promoted→first acknowledged write ${firstAfter(writers, promoted, 200) - promoted} ms, ` +
        `acknowledged writes ${everyAnswer.length - failures.length}, refused ${failures.length}\n`,
    );
  });
});

/** When the first answer of `status` started after `from`, over every writer. */
function firstAfter(writers: Writer[], from: number, status: number): number {
  return Math.min(...writers.flatMap((w) => w.since(from).filter((a) => a.status === status)).map((a) => a.at + a.ms));
}
