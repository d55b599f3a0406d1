import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';

/** Fixed secrets so a spec can forge tokens (tampered, expired, wrong type) against the real verifier. */
export const ACCESS_SECRET = 'test-access-secret-0123456789-abcdefghijklmnop';
export const REFRESH_SECRET = 'test-refresh-secret-9876543210-qrstuvwxyzabcd';
export const ADMIN = { email: 'root@example.com', password: 'admin-password-123' };

/**
 * Environment for suites that exercise auth: known secrets, a first admin, and a request
 * budget high enough that only the throttling suite ever meets it.
 */
export function authEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    JWT_ACCESS_SECRET: ACCESS_SECRET,
    JWT_REFRESH_SECRET: REFRESH_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    THROTTLE_LIMIT: '100000',
    THROTTLE_REGISTER_LIMIT: '100000',
    ...overrides,
  };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}

export interface SignedIn {
  id: string;
  email: string;
  password: string;
  tokens: TokenPair;
  /** `Authorization` header value. */
  bearer: string;
}

export const uniqueEmail = (prefix = 'user') => `${prefix}-${randomBytes(5).toString('hex')}@example.com`;

export async function login(server: Server, email: string, password: string): Promise<TokenPair> {
  const res = await request(server).post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body as TokenPair;
}

/** Registers a fresh user (one argon2 hash) and logs it in (one more). */
export async function registerAndLogin(
  server: Server,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<SignedIn> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'a-good-password';
  const res = await request(server)
    .post('/api/v1/auth/register')
    .send({ email, password, name: overrides.name ?? 'Test User' })
    .expect(201);
  const tokens = await login(server, email, password);
  return { id: res.body.id, email, password, tokens, bearer: `Bearer ${tokens.accessToken}` };
}

export async function loginAdmin(server: Server): Promise<SignedIn & { bearer: string }> {
  const tokens = await login(server, ADMIN.email, ADMIN.password);
  const me = await request(server).get('/api/v1/users/me').set('Authorization', `Bearer ${tokens.accessToken}`);
  return { id: me.body.id, ...ADMIN, tokens, bearer: `Bearer ${tokens.accessToken}` };
}
