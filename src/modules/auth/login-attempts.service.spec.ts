import type { AuthConfig } from '@/config/configuration';
import { LoginAttemptsService } from './login-attempts.service';

describe(LoginAttemptsService.name, () => {
  const WINDOW = 15 * 60_000;
  const cfg = {
    loginMaxFailuresPerAccount: 3,
    loginMaxFailuresPerClient: 5,
    loginFailureWindowMs: WINDOW,
  } as AuthConfig;
  let sut: LoginAttemptsService;
  const t0 = 1_000_000;

  beforeEach(() => {
    sut = new LoginAttemptsService(cfg);
  });

  it('allows an account until it reaches its limit, then blocks it for the rest of the window', async () => {
    for (let i = 0; i < 2; i += 1) await sut.recordFailure('a@x.io', `10.0.0.${i}`, t0 + i);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.9', t0 + 10)).toBe(0);
    await sut.recordFailure('a@x.io', '10.0.0.3', t0 + 20);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.9', t0 + 1000)).toBe(WINDOW - 1000);
    expect(await sut.blockedForMs('b@x.io', '10.0.0.9', t0 + 1000)).toBe(0);
  });

  it('unblocks the account when the window ends', async () => {
    for (let i = 0; i < 3; i += 1) await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0 + WINDOW - 1)).toBe(1);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0 + WINDOW)).toBe(0);
  });

  it('blocks a client that fails on many accounts, whatever account it tries next', async () => {
    for (let i = 0; i < 5; i += 1) await sut.recordFailure(`u${i}@x.io`, '10.0.0.1', t0);
    expect(await sut.blockedForMs('fresh@x.io', '10.0.0.1', t0 + 1)).toBe(WINDOW - 1);
    expect(await sut.blockedForMs(undefined, '10.0.0.1', t0 + 1)).toBe(WINDOW - 1);
    expect(await sut.blockedForMs('fresh@x.io', '10.0.0.2', t0 + 1)).toBe(0);
  });

  it('clears the account counter on success, but not the client counter', async () => {
    for (let i = 0; i < 2; i += 1) await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    await sut.recordSuccess('a@x.io');
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0)).toBe(0);
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('other@x.io', '10.0.0.1', t0)).toBe(WINDOW);
  });
});
