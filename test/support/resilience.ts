import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ClientRequest, IncomingMessage, request } from 'node:http';

export { freshDatabase } from './database';

/** Redis for the processes under test, when the run has one. */
export const redisEnv = (): Record<string, string | undefined> => ({ REDIS_URL: process.env.REDIS_URL });

export interface Account {
  email: string;
  password: string;
  accessToken: string;
}

/** Registers and signs in a fresh user. */
export async function signUp(baseUrl: string, prefix = 'user'): Promise<Account> {
  const email = `${prefix}-${randomUUID()}@example.com`;
  const password = `pw-${randomUUID()}`;
  const json = { 'Content-Type': 'application/json' };
  const registered = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password, name: prefix }),
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { email, password, accessToken };
}

/**
 * What a problem body tells its reader, without the request id: a random UUID
 * can contain any digits, so leak checks for ports or driver words skip it.
 */
export function problemWording(body: Record<string, unknown>): string {
  const { requestId: _requestId, ...wording } = body;
  return JSON.stringify(wording);
}

/** The value of an unlabelled gauge or counter in a Prometheus text exposition. */
export async function metricValue(baseUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

export interface HeldRequest {
  readonly req: ClientRequest;
  /** Sends the rest of the body; resolves with the answer. */
  finish(): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>;
  /** Settles with the socket error when the server cuts the request. */
  readonly failed: Promise<NodeJS.ErrnoException>;
}

/**
 * A JSON POST whose body is sent in two halves: between them the server has the request in
 * flight (its handler waits for the body), so the test decides exactly when it may finish.
 * No test-only route is needed, and slow clients are what production sees anyway.
 */
export function holdRequest(url: string, body: unknown): HeldRequest {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const req = request(url, {
    method: 'POST',
    agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) },
  });
  const failed = new Promise<NodeJS.ErrnoException>((done) => req.once('error', done));
  const response = once(req, 'response') as Promise<[IncomingMessage]>;
  // Observed through `failed` when the server cuts the request; `finish` still rejects then.
  response.catch(() => undefined);
  req.write(payload.subarray(0, half));
  return {
    req,
    failed,
    finish: async () => {
      req.end(payload.subarray(half));
      const [res] = await response;
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return { status: res.statusCode ?? 0, headers: res.headers, body: text };
    },
  };
}
