import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * Steady mixed traffic of signed-in users: reads (`GET /users/me`, `GET /users/:id`) and
 * writes (`PATCH /users/me`), from a fixed number of concurrent clients over keep-alive
 * connections, as a browser fleet behind a load balancer would send. Used by the rolling
 * restart test and the soak script.
 */

export interface TrafficUser {
  id: string;
  accessToken: string;
}

export interface TrafficSample {
  operation: 'read-me' | 'read-by-id' | 'write-me';
  status: number;
  /** Set when no HTTP answer came back at all. */
  error?: string;
  ms: number;
  at: number;
}

export interface TrafficOptions {
  url: string;
  users: TrafficUser[];
  clients: number;
  /** Fraction of requests that write; 0.3 by default. */
  writeRatio?: number;
  /** Per-request timeout: a request that takes longer counts as failed. */
  timeoutMs?: number;
  /**
   * Sends every write with an `Idempotency-Key` of its own (kept on a retry), as a client
   * does that wants a load balancer to re-send a write an instance dropped.
   */
  keyedWrites?: boolean;
  onSample?: (sample: TrafficSample) => void;
}

export interface Traffic {
  readonly samples: TrafficSample[];
  /** Stops after the requests in flight; resolves when every client has stopped. */
  stop(): Promise<TrafficSample[]>;
}

interface Answer {
  status: number;
  error?: string;
}

interface Send {
  method: string;
  token: string;
  payload?: string;
  idempotencyKey?: string;
  timeoutMs?: number;
}

function sendOnce(agent: Agent, url: string, { method, token, payload, idempotencyKey, timeoutMs = 10_000 }: Send) {
  return new Promise<Answer & { reusedSocket: boolean }>((resolve) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = request(url, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket }));
      res.on('error', (error) => resolve({ status: 0, error: error.message, reusedSocket: req.reusedSocket }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, error: error.code ?? error.message, reusedSocket: req.reusedSocket }),
    );
    req.end(payload);
  });
}

/** The retry goes over a new connection: another idle socket of the pool may be closing too. */
const FRESH_CONNECTION = new Agent({ keepAlive: false });
const CLOSED_BEFORE_ANSWER = new Set(['ECONNRESET', 'EPIPE']);

/**
 * One request, retried once when a kept-alive connection turns out to have been closed by
 * the server just as it was reused (ECONNRESET, or EPIPE when the write itself hit the
 * closed socket, with no answer): the request never reached anyone, and every mature HTTP
 * client (browsers, undici) retries exactly this case.
 */
async function send(agent: Agent, url: string, call: Omit<Send, 'payload'> & { body?: unknown }) {
  const { body, ...rest } = call;
  const once: Send = { ...rest, payload: body === undefined ? undefined : JSON.stringify(body) };
  const first = await sendOnce(agent, url, once);
  const answer =
    first.reusedSocket && first.error !== undefined && CLOSED_BEFORE_ANSWER.has(first.error)
      ? await sendOnce(FRESH_CONNECTION, url, once)
      : first;
  return { status: answer.status, ...(answer.error ? { error: answer.error } : {}) } satisfies Answer;
}

export function startTraffic(options: TrafficOptions): Traffic {
  const samples: TrafficSample[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const writeRatio = options.writeRatio ?? 0.3;
  let running = true;

  const client = async (index: number) => {
    let n = 0;
    while (running) {
      const user = options.users[(index + n) % options.users.length];
      n += 1;
      const started = Date.now();
      const roll = Math.random();
      let operation: TrafficSample['operation'];
      let result;
      if (roll < writeRatio) {
        operation = 'write-me';
        result = await send(agent, `${options.url}/api/v1/users/me`, {
          method: 'PATCH',
          token: user.accessToken,
          body: { name: `soak ${randomUUID().slice(0, 8)}` },
          idempotencyKey: options.keyedWrites ? randomUUID() : undefined,
          timeoutMs: options.timeoutMs,
        });
      } else if (roll < writeRatio + (1 - writeRatio) / 2) {
        operation = 'read-me';
        result = await send(agent, `${options.url}/api/v1/users/me`, {
          method: 'GET',
          token: user.accessToken,
          timeoutMs: options.timeoutMs,
        });
      } else {
        operation = 'read-by-id';
        result = await send(agent, `${options.url}/api/v1/users/${user.id}`, {
          method: 'GET',
          token: user.accessToken,
          timeoutMs: options.timeoutMs,
        });
      }
      const sample: TrafficSample = { operation, ...result, ms: Date.now() - started, at: started };
      samples.push(sample);
      options.onSample?.(sample);
    }
  };
  const clients = Array.from({ length: options.clients }, (_, i) => client(i));

  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return samples;
    },
  };
}

/** The p-th percentile (0–100) of the values, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Signs up `count` users through `url` and returns their ids and access tokens. */
export async function createUsers(url: string, count: number): Promise<TrafficUser[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const email = `load-${randomUUID()}@example.com`;
      const password = `pw-${randomUUID()}`;
      const json = { 'Content-Type': 'application/json' };
      const reg = await fetch(`${url}/api/v1/auth/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password, name: 'load' }),
      });
      if (reg.status !== 201) throw new Error(`register answered ${reg.status}`);
      const { id } = (await reg.json()) as { id: string };
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password }),
      });
      if (login.status !== 200) throw new Error(`login answered ${login.status}`);
      const { accessToken } = (await login.json()) as { accessToken: string };
      return { id, accessToken };
    }),
  );
}
