import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MaintenanceJob } from '@/modules/users/maintenance/maintenance.job';
import { AccountTokens, InvalidTokenProblem } from '@/modules/users/tokens/account-tokens.service';
import { AccountToken } from '@/modules/users/tokens/entities/account-token.entity';
import { authEnv, registerAndLogin, SignedIn } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

const HOUR_MS = 3_600_000;

describe('One-time tokens of account mails', () => {
  let t: TestApp;
  let user: SignedIn;
  let tokens: AccountTokens;
  const rows = () => t.app.get(DataSource).getRepository(AccountToken);
  const issue = (purpose: 'verify_email' | 'reset_password' = 'reset_password', ttlMs = HOUR_MS, now?: Date) =>
    tokens.issue(user.id, purpose, { ttlMs }, now);

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    tokens = t.app.get(AccountTokens);
    user = await registerAndLogin(t.server);
  });
  afterAll(() => t.close());

  it('issues 256 random bits, URL-safe, and stores only a keyed hash of them', async () => {
    const token = await issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const stored = await rows().findBy({ userId: user.id });
    const texts = JSON.stringify(stored);
    expect(texts).not.toContain(token);
    // Not a plain digest of the value: the key is the server's.
    const plain = createHmac('sha256', '').update(`reset_password:${token}`).digest('hex');
    expect(stored.map((row) => row.tokenHash)).not.toContain(plain);
  });

  it('is spent by its first use: the second is refused', async () => {
    const token = await issue();
    await expect(tokens.consume(token, 'reset_password')).resolves.toMatchObject({ userId: user.id });
    await expect(tokens.consume(token, 'reset_password')).rejects.toBeInstanceOf(InvalidTokenProblem);
  });

  it('is refused for another purpose, and still works for its own afterwards', async () => {
    const token = await issue('verify_email');
    await expect(tokens.consume(token, 'reset_password')).rejects.toBeInstanceOf(InvalidTokenProblem);
    await expect(tokens.consume(token, 'verify_email')).resolves.toMatchObject({ purpose: 'verify_email' });
  });

  it('is refused once expired', async () => {
    const issuedAt = new Date(Date.now() - 2 * HOUR_MS);
    const token = await issue('reset_password', HOUR_MS, issuedAt);
    await expect(tokens.peek(token, 'reset_password')).resolves.toBeNull();
    await expect(tokens.consume(token, 'reset_password')).rejects.toBeInstanceOf(InvalidTokenProblem);
  });

  it('refuses malformed and unknown values without a match', async () => {
    for (const bad of ['', 'x', 'a'.repeat(43), `${'a'.repeat(42)}=`, 'a'.repeat(500)]) {
      await expect(tokens.consume(bad, 'reset_password')).rejects.toBeInstanceOf(InvalidTokenProblem);
    }
  });

  it('is answered to exactly one of many concurrent uses', async () => {
    const token = await issue();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => tokens.consume(token, 'reset_password')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(11);
    for (const r of refused) expect(r.reason).toBeInstanceOf(InvalidTokenProblem);
  });

  it('supersedes the earlier live token of the same purpose, not of another', async () => {
    const verify = await issue('verify_email');
    const first = await issue('reset_password');
    const second = await issue('reset_password');
    await expect(tokens.consume(first, 'reset_password')).rejects.toBeInstanceOf(InvalidTokenProblem);
    await expect(tokens.peek(second, 'reset_password')).resolves.toMatchObject({ userId: user.id });
    await expect(tokens.consume(second, 'reset_password')).resolves.toBeDefined();
    await expect(tokens.consume(verify, 'verify_email')).resolves.toBeDefined();
  });

  it('is purged by the clean-up once spent or expired, while a live one stays', async () => {
    const spent = await issue('verify_email');
    await tokens.consume(spent, 'verify_email');
    await issue('reset_password', HOUR_MS, new Date(Date.now() - 2 * HOUR_MS));
    const live = await issue('reset_password');

    const counts = await t.app.get(MaintenanceJob).purge();
    expect(counts.account_tokens).toBeGreaterThanOrEqual(2);
    const left = await rows().findBy({ userId: user.id });
    expect(left).toHaveLength(1);
    await expect(tokens.consume(live, 'reset_password')).resolves.toBeDefined();
  });
});
